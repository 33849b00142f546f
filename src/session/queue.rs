//! The one queue a live session reads: engine inputs from every producer (executors,
//! the health monitor, the sign-off inbox) and the driver's own input (keys or lines),
//! in the order they happened. Output is the only flood: a producer of output waits
//! while [`OUTPUT_IN_FLIGHT`] chunks are queued and not yet handled, so memory stays
//! flat however fast a step prints, and a key never waits behind more than that.

use super::input::Input;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

/// Output chunks (of up to 64 KiB) queued and not yet handled before producers wait.
pub const OUTPUT_IN_FLIGHT: usize = 16;

/// What arrives: an input for the engine, or the driver's own (`U`: a key, a line).
#[derive(Debug)]
pub enum Arrival<U> {
    Input(Input),
    Ui(U),
}

/// The session's queue.
pub struct Queue<U> {
    tx: Sender<Arrival<U>>,
    rx: Receiver<Arrival<U>>,
    flow: Arc<Flow>,
}

/// Counts output in the queue.
#[derive(Debug)]
struct Flow {
    /// Output queued and not yet taken; `None` once the queue is gone.
    queued: Mutex<Option<usize>>,
    room: Condvar,
}

impl<U: Send + 'static> Queue<U> {
    pub fn new() -> Self {
        let (tx, rx) = mpsc::channel();
        Queue {
            tx,
            rx,
            flow: Arc::new(Flow {
                queued: Mutex::new(Some(0)),
                room: Condvar::new(),
            }),
        }
    }

    /// Where producers of engine inputs send them.
    pub fn inputs(&self) -> Inputs {
        let tx = self.tx.clone();
        Inputs {
            send: Arc::new(move |input| tx.send(Arrival::Input(input)).is_ok()),
            flow: Some(Arc::clone(&self.flow)),
        }
    }

    /// Where the driver's own input (keys, lines) goes.
    pub fn ui(&self) -> impl Fn(U) -> bool + Send + Sync + 'static {
        let tx = self.tx.clone();
        move |item| tx.send(Arrival::Ui(item)).is_ok()
    }

    /// The next arrival, waiting at most `wait`.
    pub fn next(&self, wait: Duration) -> Option<Arrival<U>> {
        self.rx.recv_timeout(wait).ok()
    }
}

impl<U> Drop for Queue<U> {
    /// Producers waiting for room stop waiting: nobody will take their output.
    fn drop(&mut self) {
        *self
            .flow
            .queued
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = None;
        self.flow.room.notify_all();
    }
}

impl<U: Send + 'static> Default for Queue<U> {
    fn default() -> Self {
        Queue::new()
    }
}

/// The sending side of a session's engine inputs (cheap to clone, for any thread).
#[derive(Clone)]
pub struct Inputs {
    send: Arc<dyn Fn(Input) -> bool + Send + Sync>,
    flow: Option<Arc<Flow>>,
}

impl std::fmt::Debug for Inputs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Inputs")
    }
}

impl Inputs {
    /// Inputs handed to `send` (a test's collector); output never waits.
    pub fn to(send: impl Fn(Input) -> bool + Send + Sync + 'static) -> Inputs {
        Inputs {
            send: Arc::new(send),
            flow: None,
        }
    }

    /// Inputs that go nowhere (an engine whose inputs a test hands in itself).
    pub fn nowhere() -> Inputs {
        Inputs::to(|_| true)
    }

    /// Sends an input; `false` once nobody reads the queue any more.
    pub fn send(&self, input: Input) -> bool {
        (self.send)(input)
    }

    /// Sends output, first waiting while [`OUTPUT_IN_FLIGHT`] chunks are queued.
    pub fn send_output(&self, input: Input) -> bool {
        if let Some(flow) = &self.flow {
            let mut queued = flow.queued.lock().unwrap_or_else(PoisonError::into_inner);
            while queued.is_some_and(|n| n >= OUTPUT_IN_FLIGHT) {
                queued = flow
                    .room
                    .wait(queued)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            match queued.as_mut() {
                Some(n) => *n += 1,
                None => return false,
            }
        }
        self.send(input)
    }

    /// The engine took one output chunk off the queue.
    pub fn output_taken(&self) {
        if let Some(flow) = &self.flow {
            let mut queued = flow.queued.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(n) = queued.as_mut() {
                *n = n.saturating_sub(1);
            }
            flow.room.notify_one();
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::session::clock::Now;
    use std::time::Instant;

    #[test]
    fn output_waits_while_too_much_is_queued() {
        let queue: Queue<()> = Queue::new();
        let inputs = queue.inputs();
        let producer = std::thread::spawn(move || {
            for _ in 0..OUTPUT_IN_FLIGHT + 4 {
                inputs.send_output(Input::Tick(Now::system()));
            }
        });
        let mut taken = 0;
        let started = Instant::now();
        while taken < OUTPUT_IN_FLIGHT + 4 {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "the producer is stuck"
            );
            if queue.next(Duration::from_millis(20)).is_some() {
                taken += 1;
                queue.inputs().output_taken();
            }
        }
        producer.join().unwrap();
        assert!(queue.next(Duration::ZERO).is_none());
    }
}
