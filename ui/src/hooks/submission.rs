use std::future::Future;

use clinic_core::account::FieldError;
use clinic_core::ipc::IpcError;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

/// One form's submission: whether it is running and what went wrong last time.
#[derive(Clone, PartialEq)]
pub struct Submission {
    busy: UseStateHandle<bool>,
    error: UseStateHandle<Option<IpcError>>,
}

#[hook]
pub fn use_submission() -> Submission {
    Submission {
        busy: use_state(|| false),
        error: use_state(|| None),
    }
}

impl Submission {
    pub fn busy(&self) -> bool {
        *self.busy
    }

    pub fn error(&self) -> Option<IpcError> {
        (*self.error).clone()
    }

    /// The field messages of the last failure, to show under each field.
    pub fn fields(&self) -> Vec<FieldError> {
        self.error
            .as_ref()
            .map(|e| e.fields.clone())
            .unwrap_or_default()
    }

    /// Run `work` unless a submission is already running: the old error is cleared, a new one is
    /// kept to show, and `on_success` gets the answer.
    pub fn run<T: 'static>(
        &self,
        work: impl Future<Output = Result<T, IpcError>> + 'static,
        on_success: impl FnOnce(T) + 'static,
    ) {
        if *self.busy {
            return;
        }
        self.busy.set(true);
        self.error.set(None);
        let (busy, error) = (self.busy.clone(), self.error.clone());
        spawn_local(async move {
            match work.await {
                Ok(answer) => on_success(answer),
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    }
}
