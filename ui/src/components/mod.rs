mod field;
mod status_bar;

pub use field::{ErrorBanner, TextField};
pub use status_bar::StatusBar;
