#!/usr/bin/env python3
"""Event generators for SkillMetrics tests and measurements (issue 9).

Shapes:
  real        sessions that keep arriving, 120 skills with Zipf popularity, ~60 workflow paths
              with a long tail, 25 error types, 0-4 follow-ups from 40 actions, millisecond-
              rounded log-normal durations, some nulls.
  adversarial thousands of distinct keys for one skill, one session holding every event, all
              durations equal.
  legacy      today's benchmark generator (3 paths, 2 errors, 2 actions, 1,000 fixed sessions).

Each event is a tuple in the column order of INSERT_SQL, so any sqlite3 client can insert it.

  python3 workload.py insert DB SHAPE COUNT [SEED] [BATCH]   # executemany, BATCH per transaction
  python3 workload.py insert-untriggered DB SHAPE COUNT [SEED]  # projection triggers suspended
  python3 workload.py jsonl SHAPE COUNT [SEED] > events.jsonl
"""
import datetime
import json
import random
import sqlite3
import sys
import uuid

INSERT_SQL = (
    "INSERT INTO skill_invocation (id, skill_name, invoked_at, workflow_path, completed, "
    "duration_seconds, error_type, session_id, follow_up_actions) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)

BASE = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)


def _timestamp(micros):
    moment = BASE + datetime.timedelta(microseconds=micros)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _zipf_weights(n, s=1.1):
    return [1.0 / (rank ** s) for rank in range(1, n + 1)]


def events(shape, count, seed=1):
    rng = random.Random(seed)
    if shape == "real":
        skills = [f"skill-{i:03d}" for i in range(120)]
        skill_weights = _zipf_weights(120)
        paths = [f"/workflow/{i}/phase-{i % 7}" for i in range(60)]
        path_weights = _zipf_weights(60, 1.3)
        errors = [f"Error{i}" for i in range(25)]
        error_weights = _zipf_weights(25)
        actions = [f"action-{i}" for i in range(40)]
        action_weights = _zipf_weights(40, 1.0)
        session = 0
        micros = 0
        for index in range(count):
            if rng.random() < 0.02:
                session += 1
            micros += rng.randint(1, 2_000_000)
            skill = rng.choices(skills, skill_weights)[0]
            completed = 1 if rng.random() < 0.85 else 0
            roll = rng.random()
            duration = None if roll < 0.05 else round(rng.lognormvariate(1.0, 1.2), 3)
            path = None if rng.random() < 0.1 else rng.choices(paths, path_weights)[0]
            error = None if completed and rng.random() < 0.9 else rng.choices(errors, error_weights)[0]
            session_id = None if rng.random() < 0.05 else f"session-{session}"
            follow = rng.choices(actions, action_weights, k=rng.randint(0, 4))
            yield (str(uuid.UUID(int=rng.getrandbits(128))), skill, _timestamp(micros), path, completed,
                   duration, error, session_id, json.dumps(follow, separators=(",", ":")))
    elif shape == "adversarial":
        micros = 0
        for index in range(count):
            micros += 1000
            skill = "hot" if index % 10 else f"cold-{index % 50}"
            completed = 1 if index % 7 else 0
            follow = [f"act-{(index * 3 + k) % 5000}" for k in range(index % 4)]
            yield (str(uuid.UUID(int=rng.getrandbits(128))), skill, _timestamp(micros),
                   f"/path/{index % 4000}", completed, 2.5, f"E{index % 3000}", "one-session",
                   json.dumps(follow, separators=(",", ":")))
    elif shape == "legacy":
        micros = 0
        for index in range(count):
            micros += 1000
            yield (str(uuid.UUID(int=rng.getrandbits(128))), f"skill-{index % 20}", _timestamp(micros),
                   ["/a", "/b", "/c"][index % 3], 1 if index % 5 else 0, 0.5 + (index % 100) / 10,
                   None if index % 4 else ["E1", "E2"][index % 2], f"s-{index % 1000}",
                   json.dumps(["x", "y"][: index % 3], separators=(",", ":")))
    else:
        raise SystemExit(f"unknown shape {shape}")


def insert(path, shape, count, seed=1, batch=1000):
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    buffer = []
    for event in events(shape, count, seed):
        buffer.append(event)
        if len(buffer) >= batch:
            connection.execute("BEGIN")
            connection.executemany(INSERT_SQL, buffer)
            connection.execute("COMMIT")
            buffer = []
    if buffer:
        connection.execute("BEGIN")
        connection.executemany(INSERT_SQL, buffer)
        connection.execute("COMMIT")
    connection.close()


def insert_untriggered(path, shape, count, seed=1, batch=10000):
    """Inserts with the projection triggers suspended (their exact text is restored after):
    a quick way to build a large log whose projections a `rebuild` then computes."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")
    saved = connection.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'skill_invocation_project%' "
        "ORDER BY rowid").fetchall()
    for name, _ in saved:
        connection.execute(f'DROP TRIGGER "{name}"')
    buffer = []
    for event in events(shape, count, seed):
        buffer.append(event)
        if len(buffer) >= batch:
            connection.executemany(INSERT_SQL, buffer)
            buffer = []
    connection.executemany(INSERT_SQL, buffer)
    for _, sql in saved:
        connection.execute(sql)
    connection.execute("COMMIT")
    connection.close()


def main(argv):
    if len(argv) >= 5 and argv[1] == "insert-untriggered":
        insert_untriggered(argv[2], argv[3], int(argv[4]), int(argv[5]) if len(argv) > 5 else 1)
    elif len(argv) >= 5 and argv[1] == "insert":
        insert(argv[2], argv[3], int(argv[4]), int(argv[5]) if len(argv) > 5 else 1,
               int(argv[6]) if len(argv) > 6 else 1000)
    elif len(argv) >= 4 and argv[1] == "jsonl":
        keys = ["id", "skill_name", "invoked_at", "workflow_path", "completed", "duration_seconds",
                "error_type", "session_id", "follow_up_actions"]
        out = sys.stdout
        for event in events(argv[2], int(argv[3]), int(argv[4]) if len(argv) > 4 else 1):
            record = dict(zip(keys, event))
            record["completed"] = bool(record["completed"])
            record["follow_up_actions"] = json.loads(record["follow_up_actions"])
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
