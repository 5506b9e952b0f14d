//! Sign-in attempts are limited per account *and* address, so a password cannot be guessed by
//! trying many, and per address, so one address cannot try many accounts. Someone else's wrong
//! tries on an account never keep its user out from their own address; a guesser spread over
//! many addresses meets a longer ceiling per account (per hour).

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

pub struct SignInLimit {
    per_account: DefaultKeyedRateLimiter<(String, IpAddr)>,
    per_account_everywhere: DefaultKeyedRateLimiter<String>,
    per_address: DefaultKeyedRateLimiter<IpAddr>,
    clock: DefaultClock,
}

impl SignInLimit {
    /// `per_account` attempts per minute on one account from one address, `per_address` per
    /// minute from one address, each allowed as a burst; `per_account_per_hour` on one account
    /// from everywhere.
    pub fn new(
        per_account: NonZeroU32,
        per_address: NonZeroU32,
        per_account_per_hour: NonZeroU32,
    ) -> Self {
        Self {
            per_account: RateLimiter::keyed(Quota::per_minute(per_account)),
            per_account_everywhere: RateLimiter::keyed(Quota::per_hour(per_account_per_hour)),
            per_address: RateLimiter::keyed(Quota::per_minute(per_address)),
            clock: DefaultClock::default(),
        }
    }

    /// Count one attempt; `Err(wait)` when a limit is spent. The limits are asked narrowest
    /// first and an attempt one refuses is not counted by the others: an address that is held
    /// back cannot spend the account's ceiling.
    pub fn check(&self, email: &str, address: IpAddr) -> Result<(), Duration> {
        let now = self.clock.now();
        self.per_address
            .check_key(&address)
            .map_err(|n| n.wait_time_from(now))?;
        self.per_account
            .check_key(&(email.to_owned(), address))
            .map_err(|n| n.wait_time_from(now))?;
        self.per_account_everywhere
            .check_key(&email.to_owned())
            .map_err(|n| n.wait_time_from(now))
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
        self.per_account_everywhere.retain_recent();
        self.per_address.retain_recent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sixth_attempt_on_one_account_waits() {
        let limit = SignInLimit::new(
            NonZeroU32::new(5).unwrap(),
            NonZeroU32::new(100).unwrap(),
            NonZeroU32::new(100).unwrap(),
        );
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
        let limit = SignInLimit::new(
            NonZeroU32::new(5).unwrap(),
            NonZeroU32::new(3).unwrap(),
            NonZeroU32::new(100).unwrap(),
        );
        let addr: IpAddr = "10.0.0.9".parse().unwrap();
        for n in 0..3 {
            assert!(limit.check(&format!("u{n}@x.test"), addr).is_ok());
        }
        assert!(limit.check("u9@x.test", addr).is_err());
        assert!(limit
            .check("u9@x.test", "10.0.0.10".parse().unwrap())
            .is_ok());
    }

    #[test]
    fn wrong_tries_from_one_address_do_not_keep_the_user_out_from_theirs() {
        let limit = SignInLimit::new(
            NonZeroU32::new(5).unwrap(),
            NonZeroU32::new(100).unwrap(),
            NonZeroU32::new(8).unwrap(),
        );
        let attacker: IpAddr = "203.0.113.7".parse().unwrap();
        let user: IpAddr = "198.51.100.20".parse().unwrap();
        for _ in 0..5 {
            assert!(limit.check("desk@clinic.test", attacker).is_ok());
        }
        for _ in 0..20 {
            assert!(limit.check("desk@clinic.test", attacker).is_err());
        }
        assert!(
            limit.check("desk@clinic.test", user).is_ok(),
            "the user's own address still gets in"
        );
        // Spread over many addresses, the guesser meets the hourly ceiling of the account.
        for n in 0..2 {
            let _ = limit.check("desk@clinic.test", IpAddr::from([192, 0, 2, n]));
        }
        let wait = limit
            .check("desk@clinic.test", IpAddr::from([192, 0, 2, 9]))
            .unwrap_err();
        assert!(wait > Duration::from_secs(60), "{wait:?}");
    }
}
