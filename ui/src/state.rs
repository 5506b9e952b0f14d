//! The app's state as a reducer: which screen, who is signed in, preferences, connection.
//! Pure, so it is tested natively.

use std::rc::Rc;

use clinic_core::ipc::{ConnectionStatus, Edition, Language, Preferences, Startup, Theme};
use clinic_core::wire::AccountView;
use yew::Reducible;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Loading,
    SignIn,
    SignUp,
    Home,
    /// Locked after inactivity: nothing shows until the password is given.
    Locked,
    /// The encrypted store could not be opened; nothing else is possible.
    StoreProblem,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AppModel {
    pub screen: Screen,
    pub startup: Option<Startup>,
    pub account: Option<AccountView>,
    pub preferences: Preferences,
    pub connection: Option<ConnectionStatus>,
}

impl Default for AppModel {
    fn default() -> Self {
        Self {
            screen: Screen::Loading,
            startup: None,
            account: None,
            preferences: Preferences::default(),
            connection: None,
        }
    }
}

impl AppModel {
    pub fn language(&self) -> Language {
        self.preferences.language
    }

    pub fn edition(&self) -> Edition {
        self.startup
            .as_ref()
            .map(|s| s.edition)
            .unwrap_or(Edition::Staff)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    Started(Startup),
    SignedIn(AccountView),
    SignedOut,
    ShowSignUp,
    ShowSignIn,
    Language(Language),
    Theme(Theme),
    Connection(ConnectionStatus),
    /// The server said the session is over: back to sign-in.
    SessionEnded,
    /// No activity for the clinic's lock time.
    Locked,
    Unlocked,
    /// The clinic's idle-lock time, as the desk knows it after a sign-in.
    LockAfter(u32),
}

impl Reducible for AppModel {
    type Action = Msg;

    fn reduce(self: Rc<Self>, msg: Msg) -> Rc<Self> {
        let mut next = (*self).clone();
        match msg {
            Msg::Started(startup) => {
                next.preferences = startup.preferences;
                next.account = startup.session.clone();
                next.screen = if startup.store_problem.is_some() {
                    Screen::StoreProblem
                } else if next.account.is_some() && startup.locked {
                    Screen::Locked
                } else if next.account.is_some() {
                    Screen::Home
                } else {
                    Screen::SignIn
                };
                next.startup = Some(startup);
            }
            Msg::SignedIn(account) => {
                next.account = Some(account);
                next.screen = Screen::Home;
            }
            Msg::SignedOut | Msg::SessionEnded => {
                next.account = None;
                next.screen = Screen::SignIn;
            }
            Msg::ShowSignUp if next.edition() == Edition::Patient && next.account.is_none() => {
                next.screen = Screen::SignUp;
            }
            Msg::ShowSignUp => {}
            Msg::ShowSignIn if next.account.is_none() => next.screen = Screen::SignIn,
            Msg::ShowSignIn => {}
            Msg::Locked if next.account.is_some() => next.screen = Screen::Locked,
            Msg::Locked => {}
            Msg::Unlocked if next.screen == Screen::Locked => next.screen = Screen::Home,
            Msg::Unlocked => {}
            Msg::Language(language) => next.preferences.language = language,
            Msg::Theme(theme) => next.preferences.theme = theme,
            Msg::Connection(status) => next.connection = Some(status),
            Msg::LockAfter(seconds) => {
                if let Some(startup) = next.startup.as_mut() {
                    startup.lock_after_seconds = seconds;
                }
            }
        }
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clinic_core::ipc::IpcError;
    use clinic_core::wire::ErrorCode;
    use clinic_core::Role;

    fn startup(edition: Edition) -> Startup {
        Startup {
            edition,
            version: "0.1.0".into(),
            server_url: "http://127.0.0.1:8750".into(),
            preferences: Preferences {
                language: Language::Bangla,
                theme: Theme::Dark,
            },
            store_problem: None,
            session: None,
            locked: false,
            lock_after_seconds: 600,
        }
    }

    fn account() -> AccountView {
        AccountView {
            id: "01936f6e-0000-7000-8000-000000000001".parse().unwrap(),
            email: "desk@clinic.test".into(),
            display_name: "Shirin".into(),
            role: Role::FrontDesk,
        }
    }

    fn run(model: AppModel, msgs: Vec<Msg>) -> Rc<AppModel> {
        msgs.into_iter()
            .fold(Rc::new(model), |m, msg| m.reduce(msg))
    }

    #[test]
    fn startup_restores_preferences_and_shows_sign_in() {
        let m = run(
            AppModel::default(),
            vec![Msg::Started(startup(Edition::Staff))],
        );
        assert_eq!(m.screen, Screen::SignIn);
        assert_eq!(m.language(), Language::Bangla);
        assert_eq!(m.preferences.theme, Theme::Dark);
    }

    #[test]
    fn a_saved_session_opens_home_and_sign_out_returns() {
        let mut s = startup(Edition::Staff);
        s.session = Some(account());
        let m = run(AppModel::default(), vec![Msg::Started(s)]);
        assert_eq!(m.screen, Screen::Home);
        let m = m.reduce(Msg::SignedOut);
        assert_eq!((m.screen, m.account.clone()), (Screen::SignIn, None));
    }

    #[test]
    fn a_locked_session_opens_locked_and_unlocks_to_home() {
        let mut s = startup(Edition::Staff);
        s.session = Some(account());
        s.locked = true;
        let m = run(AppModel::default(), vec![Msg::Started(s)]);
        assert_eq!(m.screen, Screen::Locked);
        assert_eq!(m.clone().reduce(Msg::Unlocked).screen, Screen::Home);
        assert_eq!(m.reduce(Msg::SignedOut).screen, Screen::SignIn);
        let signed_out = run(
            AppModel::default(),
            vec![Msg::Started(startup(Edition::Staff)), Msg::Locked],
        );
        assert_eq!(signed_out.screen, Screen::SignIn, "nobody to lock");
    }

    #[test]
    fn a_store_problem_is_all_that_shows() {
        let mut s = startup(Edition::Staff);
        s.store_problem = Some(IpcError::new(ErrorCode::StoreUnavailable, "wrong key"));
        s.session = Some(account());
        let m = run(AppModel::default(), vec![Msg::Started(s)]);
        assert_eq!(m.screen, Screen::StoreProblem);
    }

    #[test]
    fn only_the_patient_build_offers_sign_up() {
        let staff = run(
            AppModel::default(),
            vec![Msg::Started(startup(Edition::Staff)), Msg::ShowSignUp],
        );
        assert_eq!(staff.screen, Screen::SignIn);
        let patient = run(
            AppModel::default(),
            vec![Msg::Started(startup(Edition::Patient)), Msg::ShowSignUp],
        );
        assert_eq!(patient.screen, Screen::SignUp);
        let back = patient.reduce(Msg::ShowSignIn);
        assert_eq!(back.screen, Screen::SignIn);
    }
}
