//! Sign-in attempts are limited per account and per address, so a password cannot be guessed
//! by trying many, and one address cannot try many accounts.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

pub struct SignInLimit {
    per_account: DefaultKeyedRateLimiter<String>,
    per_address: DefaultKeyedRateLimiter<IpAddr>,
    clock: DefaultClock,
}

impl SignInLimit {
    /// `per_account` and `per_address` attempts per minute, each allowed as a burst.
    pub fn new(per_account: NonZeroU32, per_address: NonZeroU32) -> Self {
        Self {
            per_account: RateLimiter::keyed(Quota::per_minute(per_account)),
            per_address: RateLimiter::keyed(Quota::per_minute(per_address)),
            clock: DefaultClock::default(),
        }
    }

    /// Count one attempt; `Err(wait)` when either limit is spent.
    pub fn check(&self, email: &str, address: IpAddr) -> Result<(), Duration> {
        let now = self.clock.now();
        let by_address = self
            .per_address
            .check_key(&address)
            .map_err(|n| n.wait_time_from(now));
        let by_account = self
            .per_account
            .check_key(&email.to_owned())
            .map_err(|n| n.wait_time_from(now));
        match (by_address, by_account) {
            (Ok(()), Ok(())) => Ok(()),
            (Err(a), Err(b)) => Err(a.max(b)),
            (Err(wait), _) | (_, Err(wait)) => Err(wait),
        }
    }

    /// Count one attempt from `address` alone (sign-ups, which have no account yet).
    pub fn check_address(&self, address: IpAddr) -> Result<(), Duration> {
        let now = self.clock.now();
        self.per_address
            .check_key(&address)
            .map_err(|n| n.wait_time_from(now))
    }

    /// Forget keys that are no longer limited (called now and then).
    pub fn forget_idle(&self) {
        self.per_account.retain_recent();
        self.per_address.retain_recent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sixth_attempt_on_one_account_waits() {
        let limit = SignInLimit::new(NonZeroU32::new(5).unwrap(), NonZeroU32::new(100).unwrap());
        let addr: IpAddr = "127.0.0.1".parse().unwrap();
        for _ in 0..5 {
            assert!(limit.check("a@x.test", addr).is_ok());
        }
        let wait = limit.check("a@x.test", addr).unwrap_err();
        assert!(
            wait > Duration::from_secs(1) && wait <= Duration::from_secs(12),
            "{wait:?}"
        );
        assert!(
            limit.check("b@x.test", addr).is_ok(),
            "another account is not affected"
        );
    }

    #[test]
    fn one_address_cannot_try_many_accounts() {
        let limit = SignInLimit::new(NonZeroU32::new(5).unwrap(), NonZeroU32::new(3).unwrap());
        let addr: IpAddr = "10.0.0.9".parse().unwrap();
        for n in 0..3 {
            assert!(limit.check(&format!("u{n}@x.test"), addr).is_ok());
        }
        assert!(limit.check("u9@x.test", addr).is_err());
        assert!(limit
            .check("u9@x.test", "10.0.0.10".parse().unwrap())
            .is_ok());
    }
}
