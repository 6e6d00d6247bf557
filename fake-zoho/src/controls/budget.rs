//! Zoho's API budget as tests steer and read it: the credit meter and the limit on calls in
//! flight per organization.

use crate::FakeZoho;

impl FakeZoho {
    /// Credits charged over the last 24 hours of the fake's clock.
    pub fn credits_used(&self) -> u64 {
        let mut state = self.shared.lock();
        let now = state.clock.now_unix();
        state.budget.credits.used(now)
    }

    /// Credits charged since the fake started or [`Self::reset_credits`], window or not.
    pub fn credits_charged(&self) -> u64 {
        self.shared.lock().budget.credits.charged_ever
    }

    /// The organization's allowance over 24 hours (Zoho's: Free 5,000; Standard 50,000 + 250
    /// per user, ...); `None`, the default, never runs out.
    pub fn set_credit_allowance(&self, credits: Option<u64>) {
        self.shared.lock().budget.credits.allowance = credits;
    }

    /// Forgets every charge.
    pub fn reset_credits(&self) {
        let mut state = self.shared.lock();
        let allowance = state.budget.credits.allowance;
        state.budget.credits = crate::state::credits::Meter::default();
        state.budget.credits.allowance = allowance;
    }

    /// Zoho's limit on the calls one app may have in flight for the organization (Free 5,
    /// Standard 10, ...); past it the fake answers 429. `None`, the default, never refuses.
    pub fn set_concurrency_limit(&self, calls: Option<usize>) {
        self.shared.lock().budget.concurrency_limit = calls;
    }

    /// How the fake words its 429s (spent credits, too many calls in flight): the one sentence
    /// Zoho documents for both, the default, or a message per cause.
    pub fn set_429_wording(&self, wording: crate::Wording429) {
        self.shared.lock().budget.wording_429 = wording;
    }

    /// The most calls the fake has had in flight at once, and the calls it refused for
    /// passing the concurrency limit.
    pub fn concurrency(&self) -> (usize, usize) {
        let state = self.shared.lock();
        (state.budget.most_in_flight, state.budget.concurrency_refusals)
    }
}
