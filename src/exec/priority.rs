//! Bulk work — reading a step's output, writing the audit log — runs on threads that yield
//! the CPU to the screen and to the operator's keys.
//!
//! On a small machine a step that floods output keeps one core busy by itself; the
//! threads that move its bytes would take much of the other from the thread that draws
//! the screen. A higher nice value on those threads (only) keeps key presses prompt; the
//! step's throughput barely changes, since a full pipe simply makes the step wait.

/// The nice value of bulk threads (0 is normal, 19 the lowest priority).
const BULK_NICE: i32 = 10;

/// Lowers the calling thread's priority; a failure leaves it as it was.
pub fn bulk_thread() {
    #[cfg(target_os = "linux")]
    {
        let tid = rustix::thread::gettid();
        let _ = rustix::process::setpriority_process(Some(tid), BULK_NICE);
    }
}
