// A VFS over the platform's default one that gathers a WAL transaction's frame writes into
// large writes. SQLite writes each WAL frame as two `pwrite`s (its 24-byte header, then the
// page); a 1,000-event batch on a real-shaped log writes ~1,000 frames, so ~2,000 system calls
// a commit. For the databases a store enabled (by full pathname), this VFS holds back the WAL
// writes that extend the log (new frames, the header of a restarted log) in a buffer, and
// writes it out in 64 KiB pieces:
//   * right after the page of a commit frame (a frame header whose "database size" field is
//     not 0), so a commit's frames are in the file before `sqlite3WalFrames` publishes them in
//     the wal-index, and an error writing them fails the commit;
//   * before anything else touches the WAL file (sync, truncate, size, close, a read or write
//     that overlaps part of the buffer) or its database's shared memory (map, lock, barrier,
//     unmap), and when the buffer is full.
// Any other WAL write (a frame of this transaction written again, the checksums SQLite rewrites
// after the commit frame) goes to the file at once, so its error reaches SQLite with it. Reads
// of bytes the buffer holds are answered from it.
// Frames SQLite has not committed are never visible to another connection (readers stop at the
// wal-index's published `mxFrame`), so holding them in memory until the commit changes nothing
// another connection or a recovery can see: a process killed with buffered frames leaves the
// WAL without them, as if it had been killed before writing them, and they were not committed.
// Every other file (the database, rollback journals, temporary files, any database no store
// enabled) and every other method goes straight to the default VFS.

#include "include/CSQLiteConfig.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define SM_WAL_BUFFER_CAPACITY (1024 * 1024)
#define SM_WAL_WRITE_PIECE (64 * 1024)
#define SM_WAL_FRAME_HEADER 24
#define SM_WAL_HEADER 32

typedef struct CoalescingFile CoalescingFile;

struct CoalescingFile {
    sqlite3_file base;
    /// The file of the default VFS this one forwards to (allocated right after this struct).
    sqlite3_file *real;
    /// For a database file: its WAL's shim while the WAL is open. For a WAL: its database's.
    CoalescingFile *partner;
    int isWal;
    /// The enabled database this file belongs to (its WAL's writes are gathered), or NULL.
    struct EnabledDatabase *enabled;
    /// The end of the furthest write of this transaction (reset when it takes the WAL's write
    /// lock): a write at or past it extends the log.
    sqlite3_int64 highWater;
    /// The next write completes a commit frame: write the buffer out after it.
    int flushAfterNextWrite;
    unsigned char *buffer;
    int used;
    sqlite3_int64 start;
};

static sqlite3_vfs coalescingVFS;
static sqlite3_io_methods coalescingMethods[3];

/// A database whose WAL writes are gathered, by its full pathname (as the default VFS's
/// xFullPathname gives it), with counts for tests. Never freed: files keep pointers to it.
typedef struct EnabledDatabase {
    char *path;
    /// WAL writes SQLite asked for, writes passed on to the default VFS, reads answered from
    /// a buffer.
    sqlite3_int64 requested, issued, readsFromBuffer;
} EnabledDatabase;

static pthread_mutex_t registryLock = PTHREAD_MUTEX_INITIALIZER;
static EnabledDatabase **enabledDatabases;
static int enabledCount;
static int registered;

/// The enabled database with this full pathname, or NULL. The caller holds `registryLock`.
static EnabledDatabase *findEnabledLocked(const char *fullPath) {
    for (int i = 0; i < enabledCount; i++) {
        if (strcmp(enabledDatabases[i]->path, fullPath) == 0) return enabledDatabases[i];
    }
    return NULL;
}

/// The enabled database with this full pathname, or NULL.
static EnabledDatabase *findEnabled(const char *fullPath) {
    pthread_mutex_lock(&registryLock);
    EnabledDatabase *found = findEnabledLocked(fullPath);
    pthread_mutex_unlock(&registryLock);
    return found;
}

static void count(sqlite3_int64 *counter) { __atomic_add_fetch(counter, 1, __ATOMIC_RELAXED); }

static sqlite3_file *realFile(sqlite3_file *file) { return ((CoalescingFile *)file)->real; }

static int flushBuffer(CoalescingFile *f) {
    int used = f->used;
    f->used = 0;
    // The unix VFS writes at most 128 KiB - 1 bytes a call (`seekAndWriteFd` masks the count
    // with 0x1ffff), so the buffer goes out in pieces of SM_WAL_WRITE_PIECE.
    for (int done = 0; done < used; done += SM_WAL_WRITE_PIECE) {
        int piece = used - done < SM_WAL_WRITE_PIECE ? used - done : SM_WAL_WRITE_PIECE;
        count(&f->enabled->issued);
        int rc = f->real->pMethods->xWrite(f->real, f->buffer + done, piece, f->start + done);
        if (rc != SQLITE_OK) return rc;
    }
    return SQLITE_OK;
}

/// Writes out the WAL buffer this file concerns: its own for a WAL, its WAL's for a database
/// file (none when the WAL is not open or the database not enabled).
static int flushWAL(CoalescingFile *f) {
    if (f->isWal) return flushBuffer(f);
    return f->partner == NULL ? SQLITE_OK : flushBuffer(f->partner);
}

static int coalescingClose(sqlite3_file *file) {
    CoalescingFile *f = (CoalescingFile *)file;
    int rc = SQLITE_OK;
    if (f->isWal) {
        rc = flushBuffer(f);
        if (f->partner != NULL) f->partner->partner = NULL;
        free(f->buffer);
        f->buffer = NULL;
    } else if (f->partner != NULL) {
        f->partner->partner = NULL;
    }
    f->partner = NULL;
    int closed = f->real->pMethods->xClose(f->real);
    return rc != SQLITE_OK ? rc : closed;
}

static int coalescingRead(sqlite3_file *file, void *data, int amount, sqlite3_int64 offset) {
    CoalescingFile *f = (CoalescingFile *)file;
    if (f->isWal && f->used > 0) {
        sqlite3_int64 end = f->start + f->used;
        if (offset >= f->start && offset + amount <= end) {
            // Frames of this transaction still in the buffer (a page the cache spilled, read back).
            memcpy(data, f->buffer + (offset - f->start), (size_t)amount);
            count(&f->enabled->readsFromBuffer);
            return SQLITE_OK;
        }
        if (offset + amount > f->start && offset < end) {
            int rc = flushBuffer(f);
            if (rc != SQLITE_OK) return rc;
        }
        // Bytes before the buffer are in the file already; a read past the file's end is
        // answered by the file (short read) as it would be without the buffer — except when it
        // reaches into the buffer, flushed above.
    }
    return f->real->pMethods->xRead(f->real, data, amount, offset);
}

static int coalescingWrite(sqlite3_file *file, const void *data, int amount, sqlite3_int64 offset) {
    CoalescingFile *f = (CoalescingFile *)file;
    if (!f->isWal) return f->real->pMethods->xWrite(f->real, data, amount, offset);
    int rc = SQLITE_OK;
    count(&f->enabled->requested);
    if (f->buffer == NULL) {
        f->buffer = malloc(SM_WAL_BUFFER_CAPACITY);
        if (f->buffer == NULL) {
            count(&f->enabled->issued);
            return f->real->pMethods->xWrite(f->real, data, amount, offset);
        }
    }
    sqlite3_int64 end = f->start + f->used;
    if (f->used > 0 && offset >= f->start && offset + amount <= end) {
        // A rewrite of bytes still in the buffer.
        memcpy(f->buffer + (offset - f->start), data, (size_t)amount);
    } else if (f->used > 0 && offset == end && f->used + amount <= SM_WAL_BUFFER_CAPACITY) {
        memcpy(f->buffer + f->used, data, (size_t)amount);
        f->used += amount;
    } else {
        // Only what extends the log (a new frame, or the header of a restarted log) is held
        // back. Anything else — a frame of this transaction changed again, or a checksum that
        // SQLite rewrites after the commit frame — is written now, so its error goes to
        // SQLite with the write itself; the buffer is written out first only if it overlaps.
        int extendsLog = amount <= SM_WAL_WRITE_PIECE && (offset >= f->highWater || (offset == 0 && amount == SM_WAL_HEADER));
        int overlaps = f->used > 0 && offset < end && offset + amount > f->start;
        if (extendsLog || overlaps) {
            rc = flushBuffer(f);
            if (rc != SQLITE_OK) return rc;
        }
        if (extendsLog) {
            memcpy(f->buffer, data, (size_t)amount);
            f->start = offset;
            f->used = amount;
        } else {
            count(&f->enabled->issued);
            rc = f->real->pMethods->xWrite(f->real, data, amount, offset);
            if (rc != SQLITE_OK) return rc;
        }
    }
    if (offset + amount > f->highWater) f->highWater = offset + amount;
    if (f->flushAfterNextWrite) {
        f->flushAfterNextWrite = 0;
        return flushBuffer(f);
    }
    if (amount == SM_WAL_FRAME_HEADER && offset >= SM_WAL_HEADER) {
        const unsigned char *header = data;
        // Bytes 4–7 of a frame header: the database size in pages for a commit frame, else 0.
        if ((header[4] | header[5] | header[6] | header[7]) != 0) f->flushAfterNextWrite = 1;
    }
    return SQLITE_OK;
}

static int coalescingTruncate(sqlite3_file *file, sqlite3_int64 size) {
    CoalescingFile *f = (CoalescingFile *)file;
    int rc = flushWAL(f);
    if (rc != SQLITE_OK) return rc;
    return f->real->pMethods->xTruncate(f->real, size);
}

static int coalescingSync(sqlite3_file *file, int flags) {
    CoalescingFile *f = (CoalescingFile *)file;
    int rc = flushWAL(f);
    if (rc != SQLITE_OK) return rc;
    return f->real->pMethods->xSync(f->real, flags);
}

static int coalescingFileSize(sqlite3_file *file, sqlite3_int64 *size) {
    CoalescingFile *f = (CoalescingFile *)file;
    if (f->isWal) {
        int rc = flushBuffer(f);
        if (rc != SQLITE_OK) return rc;
    }
    return f->real->pMethods->xFileSize(f->real, size);
}

static int coalescingLock(sqlite3_file *file, int level) {
    return realFile(file)->pMethods->xLock(realFile(file), level);
}

static int coalescingUnlock(sqlite3_file *file, int level) {
    CoalescingFile *f = (CoalescingFile *)file;
    int rc = flushWAL(f);
    int unlocked = f->real->pMethods->xUnlock(f->real, level);
    return rc != SQLITE_OK ? rc : unlocked;
}

static int coalescingCheckReservedLock(sqlite3_file *file, int *result) {
    return realFile(file)->pMethods->xCheckReservedLock(realFile(file), result);
}

static int coalescingFileControl(sqlite3_file *file, int op, void *arg) {
    CoalescingFile *f = (CoalescingFile *)file;
    int rc = flushWAL(f);
    if (rc != SQLITE_OK) return rc;
    return f->real->pMethods->xFileControl(f->real, op, arg);
}

static int coalescingSectorSize(sqlite3_file *file) {
    return realFile(file)->pMethods->xSectorSize(realFile(file));
}

static int coalescingDeviceCharacteristics(sqlite3_file *file) {
    return realFile(file)->pMethods->xDeviceCharacteristics(realFile(file));
}

static int coalescingShmMap(sqlite3_file *file, int page, int pageSize, int extend, void volatile **mapped) {
    CoalescingFile *f = (CoalescingFile *)file;
    int rc = flushWAL(f);
    if (rc != SQLITE_OK) return rc;
    return f->real->pMethods->xShmMap(f->real, page, pageSize, extend, mapped);
}

static int coalescingShmLock(sqlite3_file *file, int offset, int n, int flags) {
    CoalescingFile *f = (CoalescingFile *)file;
    int rc = flushWAL(f);
    if (rc != SQLITE_OK) return rc;
    rc = f->real->pMethods->xShmLock(f->real, offset, n, flags);
    // Lock 0 of the shared memory is the WAL's write lock: a write transaction begins, and it
    // appends after whatever another connection or process wrote since this one's last.
    if (rc == SQLITE_OK && offset == 0 && flags == (SQLITE_SHM_LOCK | SQLITE_SHM_EXCLUSIVE) && !f->isWal
        && f->partner != NULL) {
        f->partner->highWater = 0;
    }
    return rc;
}

static void coalescingShmBarrier(sqlite3_file *file) {
    CoalescingFile *f = (CoalescingFile *)file;
    // The commit frame's write already wrote the buffer out (and reported any error); this
    // only matters if SQLite ever publishes frames some other way.
    (void)flushWAL(f);
    f->real->pMethods->xShmBarrier(f->real);
}

static int coalescingShmUnmap(sqlite3_file *file, int deleteFlag) {
    CoalescingFile *f = (CoalescingFile *)file;
    (void)flushWAL(f);
    return f->real->pMethods->xShmUnmap(f->real, deleteFlag);
}

static int coalescingFetch(sqlite3_file *file, sqlite3_int64 offset, int amount, void **pointer) {
    return realFile(file)->pMethods->xFetch(realFile(file), offset, amount, pointer);
}

static int coalescingUnfetch(sqlite3_file *file, sqlite3_int64 offset, void *pointer) {
    return realFile(file)->pMethods->xUnfetch(realFile(file), offset, pointer);
}

static int isCoalescingFile(sqlite3_file *file) {
    if (file == NULL) return 0;
    for (int i = 0; i < 3; i++) {
        if (file->pMethods == &coalescingMethods[i]) return 1;
    }
    return 0;
}

static int coalescingOpen(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags, int *outFlags) {
    sqlite3_vfs *real = vfs->pAppData;
    CoalescingFile *f = (CoalescingFile *)file;
    memset(f, 0, sizeof *f);
    f->real = (sqlite3_file *)&f[1];
    int rc = real->xOpen(real, name, f->real, flags, outFlags);
    if (rc != SQLITE_OK || f->real->pMethods == NULL) {
        if (f->real->pMethods != NULL) f->real->pMethods->xClose(f->real);
        f->base.pMethods = NULL;
        return rc != SQLITE_OK ? rc : SQLITE_CANTOPEN;
    }
    int version = f->real->pMethods->iVersion;
    if (version < 1) version = 1;
    if (version > 3) version = 3;
    f->base.pMethods = &coalescingMethods[version - 1];
    if ((flags & SQLITE_OPEN_MAIN_DB) != 0 && name != NULL) {
        f->enabled = findEnabled(name);
    } else if ((flags & SQLITE_OPEN_WAL) != 0 && name != NULL) {
        sqlite3_file *database = sqlite3_database_file_object(name);
        if (isCoalescingFile(database) && ((CoalescingFile *)database)->enabled != NULL) {
            CoalescingFile *db = (CoalescingFile *)database;
            f->enabled = db->enabled;
            f->isWal = 1;
            f->partner = db;
            db->partner = f;
        }
    }
    return SQLITE_OK;
}

#define REAL_VFS(vfs) ((sqlite3_vfs *)(vfs)->pAppData)

static int coalescingDelete(sqlite3_vfs *vfs, const char *name, int syncDir) {
    return REAL_VFS(vfs)->xDelete(REAL_VFS(vfs), name, syncDir);
}
static int coalescingAccess(sqlite3_vfs *vfs, const char *name, int flags, int *result) {
    return REAL_VFS(vfs)->xAccess(REAL_VFS(vfs), name, flags, result);
}
static int coalescingFullPathname(sqlite3_vfs *vfs, const char *name, int size, char *out) {
    return REAL_VFS(vfs)->xFullPathname(REAL_VFS(vfs), name, size, out);
}
static void *coalescingDlOpen(sqlite3_vfs *vfs, const char *name) {
    return REAL_VFS(vfs)->xDlOpen(REAL_VFS(vfs), name);
}
static void coalescingDlError(sqlite3_vfs *vfs, int size, char *message) {
    REAL_VFS(vfs)->xDlError(REAL_VFS(vfs), size, message);
}
static void (*coalescingDlSym(sqlite3_vfs *vfs, void *handle, const char *symbol))(void) {
    return REAL_VFS(vfs)->xDlSym(REAL_VFS(vfs), handle, symbol);
}
static void coalescingDlClose(sqlite3_vfs *vfs, void *handle) {
    REAL_VFS(vfs)->xDlClose(REAL_VFS(vfs), handle);
}
static int coalescingRandomness(sqlite3_vfs *vfs, int size, char *out) {
    return REAL_VFS(vfs)->xRandomness(REAL_VFS(vfs), size, out);
}
static int coalescingSleep(sqlite3_vfs *vfs, int microseconds) {
    return REAL_VFS(vfs)->xSleep(REAL_VFS(vfs), microseconds);
}
static int coalescingCurrentTime(sqlite3_vfs *vfs, double *now) {
    return REAL_VFS(vfs)->xCurrentTime(REAL_VFS(vfs), now);
}
static int coalescingGetLastError(sqlite3_vfs *vfs, int size, char *message) {
    return REAL_VFS(vfs)->xGetLastError(REAL_VFS(vfs), size, message);
}
static int coalescingCurrentTimeInt64(sqlite3_vfs *vfs, sqlite3_int64 *now) {
    return REAL_VFS(vfs)->xCurrentTimeInt64(REAL_VFS(vfs), now);
}

static int registerVFS(void) {
    sqlite3_vfs *real = sqlite3_vfs_find(NULL);
    if (real == NULL) return SQLITE_ERROR;
    if (real->iVersion < 2 || real->xCurrentTimeInt64 == NULL) return SQLITE_ERROR;
    for (int i = 0; i < 3; i++) {
        sqlite3_io_methods *m = &coalescingMethods[i];
        memset(m, 0, sizeof *m);
        m->iVersion = i + 1;
        m->xClose = coalescingClose;
        m->xRead = coalescingRead;
        m->xWrite = coalescingWrite;
        m->xTruncate = coalescingTruncate;
        m->xSync = coalescingSync;
        m->xFileSize = coalescingFileSize;
        m->xLock = coalescingLock;
        m->xUnlock = coalescingUnlock;
        m->xCheckReservedLock = coalescingCheckReservedLock;
        m->xFileControl = coalescingFileControl;
        m->xSectorSize = coalescingSectorSize;
        m->xDeviceCharacteristics = coalescingDeviceCharacteristics;
        if (i >= 1) {
            m->xShmMap = coalescingShmMap;
            m->xShmLock = coalescingShmLock;
            m->xShmBarrier = coalescingShmBarrier;
            m->xShmUnmap = coalescingShmUnmap;
        }
        if (i >= 2) {
            m->xFetch = coalescingFetch;
            m->xUnfetch = coalescingUnfetch;
        }
    }
    memset(&coalescingVFS, 0, sizeof coalescingVFS);
    coalescingVFS.iVersion = 2;
    coalescingVFS.szOsFile = (int)((sizeof(CoalescingFile) + 7) / 8 * 8) + real->szOsFile;
    coalescingVFS.mxPathname = real->mxPathname;
    coalescingVFS.zName = SKILL_METRICS_WAL_COALESCING_VFS;
    coalescingVFS.pAppData = real;
    coalescingVFS.xOpen = coalescingOpen;
    coalescingVFS.xDelete = coalescingDelete;
    coalescingVFS.xAccess = coalescingAccess;
    coalescingVFS.xFullPathname = coalescingFullPathname;
    coalescingVFS.xDlOpen = coalescingDlOpen;
    coalescingVFS.xDlError = coalescingDlError;
    coalescingVFS.xDlSym = coalescingDlSym;
    coalescingVFS.xDlClose = coalescingDlClose;
    coalescingVFS.xRandomness = coalescingRandomness;
    coalescingVFS.xSleep = coalescingSleep;
    coalescingVFS.xCurrentTime = coalescingCurrentTime;
    coalescingVFS.xGetLastError = coalescingGetLastError;
    coalescingVFS.xCurrentTimeInt64 = coalescingCurrentTimeInt64;
    int rc = sqlite3_vfs_register(&coalescingVFS, 1);
    if (rc == SQLITE_OK) registered = 1;
    return rc;
}

/// The full pathname of `path` (malloc'd), or NULL with `*rc` set.
static char *fullPathname(const char *path, int *rc) {
    sqlite3_vfs *real = coalescingVFS.pAppData;
    char *full = malloc((size_t)real->mxPathname + 1);
    if (full == NULL) {
        *rc = SQLITE_NOMEM;
        return NULL;
    }
    *rc = real->xFullPathname(real, path, real->mxPathname + 1, full);
    if (*rc != SQLITE_OK) {
        free(full);
        return NULL;
    }
    return full;
}

int skill_metrics_wal_coalescing_enable(const char *path) {
    pthread_mutex_lock(&registryLock);
    int rc = registered ? SQLITE_OK : registerVFS();
    char *full = rc == SQLITE_OK ? fullPathname(path, &rc) : NULL;
    if (full != NULL && findEnabledLocked(full) != NULL) {
        free(full);
    } else if (full != NULL) {
        EnabledDatabase *entry = calloc(1, sizeof(EnabledDatabase));
        EnabledDatabase **grown = realloc(enabledDatabases, sizeof(EnabledDatabase *) * (size_t)(enabledCount + 1));
        // realloc may have moved the array even if calloc failed: keep the new one.
        if (grown != NULL) enabledDatabases = grown;
        if (entry == NULL || grown == NULL) {
            free(entry);
            free(full);
            rc = SQLITE_NOMEM;
        } else {
            entry->path = full;
            enabledDatabases[enabledCount++] = entry;
        }
    }
    pthread_mutex_unlock(&registryLock);
    return rc;
}

int skill_metrics_wal_coalescing_counters(const char *path, sqlite3_int64 *requested, sqlite3_int64 *issued,
                                          sqlite3_int64 *readsFromBuffer) {
    pthread_mutex_lock(&registryLock);
    int rc = registered ? SQLITE_OK : SQLITE_NOTFOUND;
    pthread_mutex_unlock(&registryLock);
    if (rc != SQLITE_OK) return rc;
    char *full = fullPathname(path, &rc);
    if (full == NULL) return rc;
    EnabledDatabase *entry = findEnabled(full);
    free(full);
    if (entry == NULL) return SQLITE_NOTFOUND;
    *requested = __atomic_load_n(&entry->requested, __ATOMIC_RELAXED);
    *issued = __atomic_load_n(&entry->issued, __ATOMIC_RELAXED);
    *readsFromBuffer = __atomic_load_n(&entry->readsFromBuffer, __ATOMIC_RELAXED);
    return SQLITE_OK;
}
