//! Faults tests arm: answers a request gets instead of (or before) the fake's own.

use crate::FakeZoho;
use crate::state::{Fault, InjectedFault, Trigger};

impl FakeZoho {
    /// Arms `fault` for the next `times` requests whose path starts with `path_prefix`.
    pub fn inject(&self, path_prefix: &str, fault: Fault, times: usize) {
        self.inject_after(path_prefix, fault, 0, times);
    }

    /// Arms `fault` for `times` requests under `path_prefix`, after letting `skip` through.
    pub fn inject_after(&self, path_prefix: &str, fault: Fault, skip: usize, times: usize) {
        let trigger = Trigger::Count { skip, times };
        self.shared.lock().traffic.faults.push(InjectedFault {
            path_prefix: path_prefix.to_owned(),
            fault,
            trigger,
        });
    }

    /// Arms `fault` for requests under `path_prefix` with `probability` each, drawn from a
    /// generator seeded with `seed` (so a failing run can be replayed), at most `max` times.
    pub fn inject_random(&self, path_prefix: &str, fault: Fault, probability: f64, seed: u64, max: usize) {
        let trigger = Trigger::Random {
            probability,
            state: seed.max(1),
            left: max,
        };
        self.shared.lock().traffic.faults.push(InjectedFault {
            path_prefix: path_prefix.to_owned(),
            fault,
            trigger,
        });
    }
}
