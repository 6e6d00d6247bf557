//! The fake's clock as tests move it: stopped, advanced, resumed.

use crate::FakeZoho;

impl FakeZoho {
    /// Stops the fake's clock: records created from now on share one second until it moves.
    pub fn freeze_clock(&self) {
        self.shared.lock().clock.freeze();
    }

    /// Moves the fake's clock (stopped or running) by `seconds`, as if that much time passed.
    pub fn advance_clock(&self, seconds: i64) {
        self.shared.lock().clock.advance(seconds);
    }

    /// Lets a stopped clock run again from where it stands.
    pub fn resume_clock(&self) {
        self.shared.lock().clock.resume();
    }

    /// The fake's time, in seconds since the Unix epoch.
    pub fn now_unix(&self) -> i64 {
        self.shared.lock().clock.now_unix()
    }
}
