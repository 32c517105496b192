//! Delivering to destinations the platform does not own: bounded retries with exponential
//! backoff, then the dead-letter queue, so a failing destination costs its own deliveries a
//! few hundred milliseconds and never blocks or loses anyone else's.

use std::future::Future;
use std::time::Duration;

/// Tries `attempt` up to `attempts` times, sleeping `backoff`, 2×`backoff`, 4×… between tries.
/// Returns the last error when every try failed.
pub async fn with_retries<F, Fut>(
    attempts: u32,
    backoff: Duration,
    mut attempt: F,
) -> Result<(), String>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    let mut last = String::from("no attempt was made");
    for n in 0..attempts.max(1) {
        if n > 0 {
            tokio::time::sleep(backoff * 2u32.saturating_pow(n - 1)).await;
        }
        match attempt(n + 1).await {
            Ok(()) => return Ok(()),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// What the dead-letter queue holds for a delivery that failed every attempt: enough to
/// redrive it by hand.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct DeadLetter {
    pub subscription_id: String,
    pub tenant: String,
    pub destination: String,
    pub attempts: u32,
    pub error: String,
    /// The message that could not be delivered.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test(start_paused = true)]
    async fn retries_until_success_with_doubling_backoff() {
        let calls = AtomicU32::new(0);
        let started = tokio::time::Instant::now();
        let r = with_retries(4, Duration::from_millis(100), |n| {
            calls.fetch_add(1, Ordering::SeqCst);
            async move {
                if n < 3 {
                    Err(format!("try {n}"))
                } else {
                    Ok(())
                }
            }
        })
        .await;
        assert_eq!(r, Ok(()));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        // 100 ms + 200 ms of (virtual) backoff.
        assert_eq!(started.elapsed(), Duration::from_millis(300));
    }

    #[tokio::test(start_paused = true)]
    async fn gives_up_after_the_last_attempt_with_its_error() {
        let calls = AtomicU32::new(0);
        let r = with_retries(3, Duration::from_millis(10), |n| {
            calls.fetch_add(1, Ordering::SeqCst);
            async move { Err::<(), _>(format!("try {n}")) }
        })
        .await;
        assert_eq!(r, Err("try 3".into()));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }
}
