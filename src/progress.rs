//! A progress line for long builds: `rendering 4,200/10,001 pages`, redrawn in place a few times a
//! second on a terminal, then erased, so the one-line summary stays the only thing left.
//!
//! Workers only bump an atomic counter; a separate thread draws, so rendering never waits on
//! the terminal. Nothing is drawn for builds that finish quickly, or when the output is not a
//! terminal (logs and tests see only the summary).

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// How long a build runs before the progress line appears.
const QUIET_START: Duration = Duration::from_millis(500);
/// How often the line is redrawn.
const REDRAW: Duration = Duration::from_millis(150);

/// Counts finished items and, while alive, keeps a progress line up to date.
#[derive(Debug)]
pub struct Progress {
    shared: Arc<Shared>,
    drawer: Option<std::thread::JoinHandle<()>>,
}

#[derive(Debug)]
struct Shared {
    done: AtomicUsize,
    total: usize,
    what: &'static str,
    finished: AtomicBool,
    wake: (Mutex<()>, Condvar),
}

impl Progress {
    /// Draws on stderr when it is a terminal; otherwise only counts.
    pub fn on_stderr(total: usize, what: &'static str) -> Progress {
        use std::io::IsTerminal;
        let sink = std::io::stderr()
            .is_terminal()
            .then(|| Box::new(std::io::stderr()) as Box<dyn Write + Send>);
        Progress::new(total, what, sink, QUIET_START)
    }

    /// Draws on `sink` (if any), starting after `delay`.
    pub fn new(
        total: usize,
        what: &'static str,
        sink: Option<Box<dyn Write + Send>>,
        delay: Duration,
    ) -> Progress {
        let shared = Arc::new(Shared {
            done: AtomicUsize::new(0),
            total,
            what,
            finished: AtomicBool::new(false),
            wake: (Mutex::new(()), Condvar::new()),
        });
        let drawer = sink.map(|sink| {
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || draw(&shared, sink, delay))
        });
        Progress { shared, drawer }
    }

    /// One more item done.
    pub fn tick(&self) {
        self.shared.done.fetch_add(1, Ordering::Relaxed);
    }

    /// Items done so far.
    pub fn done(&self) -> usize {
        self.shared.done.load(Ordering::Relaxed)
    }
}

impl Drop for Progress {
    /// Stops the drawer, which erases its line.
    fn drop(&mut self) {
        self.shared.finished.store(true, Ordering::Relaxed);
        let (lock, wake) = &self.shared.wake;
        if let Ok(_guard) = lock.lock() {
            wake.notify_all();
        }
        if let Some(drawer) = self.drawer.take() {
            let _ = drawer.join();
        }
    }
}

/// Waits `delay`, then redraws the line until the work is finished, then erases it.
fn draw(shared: &Shared, mut sink: Box<dyn Write + Send>, delay: Duration) {
    let mut wait = delay;
    let mut drawn = false;
    loop {
        let (lock, wake) = &shared.wake;
        if let Ok(guard) = lock.lock() {
            let _ =
                wake.wait_timeout_while(guard, wait, |()| !shared.finished.load(Ordering::Relaxed));
        }
        if shared.finished.load(Ordering::Relaxed) {
            break;
        }
        let done = shared.done.load(Ordering::Relaxed).min(shared.total);
        let _ = write!(
            sink,
            "\r\x1b[2Krendering {}/{} {}",
            thousands(done),
            thousands(shared.total),
            shared.what
        );
        let _ = sink.flush();
        drawn = true;
        wait = REDRAW;
    }
    if drawn {
        let _ = write!(sink, "\r\x1b[2K");
        let _ = sink.flush();
    }
}

/// `12345` as `12,345`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sink the test can read while the drawer owns a handle to it.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("lock").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_line_shows_the_count_and_is_erased_at_the_end() {
        let sink = Shared::default();
        let progress = Progress::new(
            12_000,
            "pages",
            Some(Box::new(sink.clone())),
            Duration::ZERO,
        );
        for _ in 0..4_200 {
            progress.tick();
        }
        let started = std::time::Instant::now();
        while !String::from_utf8_lossy(&sink.0.lock().expect("lock")).contains("4,200/12,000") {
            assert!(started.elapsed() < Duration::from_secs(10), "never drawn");
            std::thread::sleep(Duration::from_millis(10));
        }
        drop(progress);
        let text = String::from_utf8_lossy(&sink.0.lock().expect("lock")).into_owned();
        assert!(text.contains("rendering 4,200/12,000 pages"), "{text:?}");
        assert!(text.ends_with("\r\x1b[2K"), "erased: {text:?}");
    }

    #[test]
    fn a_quick_build_draws_nothing() {
        let sink = Shared::default();
        let progress = Progress::new(
            10,
            "pages",
            Some(Box::new(sink.clone())),
            Duration::from_secs(60),
        );
        progress.tick();
        drop(progress);
        assert!(sink.0.lock().expect("lock").is_empty());
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
