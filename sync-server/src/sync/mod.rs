//! How devices sync with the server: pushes queued and applied in groups, pages of the change
//! log pulled, and announcements of a new head to the devices it concerns.
//!
//! Invariant: every transaction that writes the change log locks the single `change_head` row
//! first. Appends are therefore serialised and commit in sequence order, so a device that has
//! pulled up to N can never miss a change below N that commits later.
//! Invariant: a pushed command is judged by the core's judge for its kind (registration,
//! booking, lifecycle step, message), applied with its change-log entry and its recorded answer
//! in one transaction, and answered from that record when it is pushed again.

pub mod events;
pub mod pull;
pub mod push;
pub mod queue;

pub use pull::PullPage;
