mod submission;

pub use submission::use_submission;
