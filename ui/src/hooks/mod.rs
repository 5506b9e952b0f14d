mod sign_out;
mod submission;

pub use sign_out::use_sign_out;
pub use submission::{use_submission, Submission};
