import Dispatch
import Foundation
import SkillMetrics

/// SIGINT and SIGTERM first remove the temporary files the command is writing
/// (``AtomicFileWriter/removeTemporaryFiles()``: an export, a backup, a restore's checked copy,
/// a cutover's copy of the legacy file, a report), then end the process with the same signal,
/// as the default action did. The files the command replaces are never partial either way;
/// this leaves no partial copy beside them. SQLite's own journal makes an interrupted write
/// roll back on the next open.
enum SignalCleanup {
    /// The signal sources, created once. `nonisolated(unsafe)`: written only by this
    /// initialiser; each source is resumed once in ``install()`` and never touched again.
    nonisolated(unsafe) private static let sources: [DispatchSourceSignal] = [SIGINT, SIGTERM].map { number in
        let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
        source.setEventHandler {
            AtomicFileWriter.removeTemporaryFiles()
            // Dispatch may keep the signal blocked (signalfd): unblock it on this thread and
            // raise it here with the default action, so the process ends by the signal.
            var set = sigset_t()
            sigemptyset(&set)
            sigaddset(&set, number)
            pthread_sigmask(SIG_UNBLOCK, &set, nil)
            signal(number, SIG_DFL)
            raise(number)
        }
        return source
    }

    /// Routes SIGINT and SIGTERM to the sources (call once, before the command runs).
    static func install() {
        for source in sources {
            signal(Int32(source.handle), SIG_IGN)
            source.resume()
        }
        // While the handler removes the files, the command may fail for want of them and
        // exit: it waits instead, so that the process ends by the signal, after the removal.
        atexit {
            while AtomicFileWriter.isStopping { pause() }
        }
    }
}
