use clinic_core::account::FieldError;
use clinic_core::ipc::{IpcError, Language};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::i18n;

#[derive(Properties, PartialEq)]
pub struct TextFieldProps {
    /// The wire name of the field ("email"), also its element id.
    pub name: AttrValue,
    pub label: AttrValue,
    pub value: AttrValue,
    pub oninput: Callback<String>,
    #[prop_or("text".into())]
    pub kind: AttrValue,
    #[prop_or_default]
    pub hint: Option<AttrValue>,
    #[prop_or_default]
    pub autocomplete: Option<AttrValue>,
    #[prop_or_default]
    pub autofocus: bool,
    #[prop_or_default]
    pub required: bool,
    /// Field problems of the last attempt; the one for this field is shown under it.
    #[prop_or_default]
    pub errors: Vec<FieldError>,
    pub language: Language,
}

/// A labelled input with its hint and its field message, wired for screen readers.
#[component]
pub fn TextField(props: &TextFieldProps) -> Html {
    let error = props
        .errors
        .iter()
        .find(|e| e.field == props.name.as_str())
        .map(|e| i18n::field_message(props.language, e));
    let oninput = {
        let cb = props.oninput.clone();
        Callback::from(move |e: InputEvent| {
            cb.emit(e.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    // The `autofocus` attribute only works once per page; a screen that appears later focuses
    // its field itself, so the keyboard is ready without a click.
    let input = use_node_ref();
    {
        let (input, autofocus) = (input.clone(), props.autofocus);
        use_effect_with((), move |_| {
            if autofocus {
                if let Some(element) = input.cast::<HtmlInputElement>() {
                    let _ = element.focus();
                }
            }
        });
    }
    let id = props.name.clone();
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described = match (&error, &props.hint) {
        (Some(_), _) => Some(error_id.clone()),
        (None, Some(_)) => Some(hint_id.clone()),
        _ => None,
    };
    html! {
        <div class={classes!("field", error.is_some().then_some("has-error"))}>
            <label for={id.clone()}>{ props.label.clone() }</label>
            <input
                ref={input}
                id={id.clone()}
                name={id.clone()}
                type={props.kind.clone()}
                value={props.value.clone()}
                {oninput}
                autocomplete={props.autocomplete.clone()}
                autofocus={props.autofocus}
                required={props.required}
                aria-invalid={error.is_some().to_string()}
                aria-describedby={described}
            />
            if let Some(hint) = &props.hint {
                if error.is_none() { <small id={hint_id} class="hint">{ hint.clone() }</small> }
            }
            if let Some(error) = error {
                <small id={error_id} class="field-error" role="alert">{ error }</small>
            }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct ErrorBannerProps {
    pub error: Option<IpcError>,
    pub language: Language,
}

/// The error of the last attempt, in the person's language.
#[component]
pub fn ErrorBanner(props: &ErrorBannerProps) -> Html {
    match &props.error {
        Some(error) => html! {
            <p class="banner error" role="alert" id="form-error" data-code={format!("{:?}", error.code)}>
                { i18n::error_message(props.language, error) }
            </p>
        },
        None => html! {},
    }
}
