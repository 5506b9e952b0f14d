//! The one access policy. The server calls [`decide`] for every endpoint; the desk calls it to
//! hide what a user may not do. The server's answer is the one that counts.

use crate::{Role, UserId};

/// Who is asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// No valid session.
    Anonymous,
    /// A signed-in user whose role the clinic knows.
    User { id: UserId, role: Role },
    /// A signed-in user whose stored role is not one this version knows. May only sign out.
    UnrecognisedRole { id: UserId },
}

impl Actor {
    /// The role the clinic knows the caller by, if signed in with one.
    pub fn role(self) -> Option<Role> {
        match self {
            Actor::User { role, .. } => Some(role),
            _ => None,
        }
    }

    /// The signed-in caller's account, whatever its role.
    pub fn user(self) -> Option<UserId> {
        match self {
            Actor::User { id, .. } | Actor::UnrecognisedRole { id } => Some(id),
            Actor::Anonymous => None,
        }
    }
}

/// What they want to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    ReadHealth,
    SignIn,
    SignUpAsPatient,
    SignOut,
    /// Anything that only needs a signed-in user whose role the clinic knows (the endpoint then
    /// asks the policy about the thing itself, once it is found).
    SignedIn,
    /// Read one's own account (name, role, email).
    ReadOwnAccount,
    /// Read a patient's demographic profile (name, sex, birth date, contact). Not clinical data.
    ReadPatientProfile {
        patient: UserId,
    },
    /// Change a patient's demographic profile.
    UpdatePatientProfile {
        patient: UserId,
    },
    /// Create a staff account (admin, doctor, front desk).
    CreateStaffAccount,
    /// List every account of the clinic.
    ListAccounts,
    /// See the doctors of the clinic, their specialties and hours.
    ReadDoctorDirectory,
    /// Add a patient to the clinic's registry (a `RegisterPatient` command).
    RegisterPatient,
    /// Change a registered patient's demographics (an `UpdatePatient` command). `account` is the
    /// patient's own account, when they have one.
    UpdateRegisteredPatient {
        account: Option<UserId>,
    },
    /// Push commands and pull changes at all (what is received is decided by [`registry_scope`]).
    Sync,
    /// Create an appointment with `doctor` for a patient (`patient_account`: the patient's own
    /// account, when they have one). Whether the origin suits the role is the lifecycle's rule
    /// too. A doctor books only in their own name, and only follow-ups for a patient they
    /// already treat (`booker_treats`, see [`crate::care::treats`]): a new patient is booked by
    /// the front desk or an admin, or asks themself.
    BookAppointment {
        origin: crate::appointment::Origin,
        patient_account: Option<UserId>,
        doctor: UserId,
        booker_treats: bool,
    },
    /// Take a lifecycle step on an appointment of `doctor` for a patient whose own account is
    /// `patient_account`. Which steps a role may take is the lifecycle's rule
    /// ([`crate::appointment::Appointment::apply`]); this decides whose appointments.
    ChangeAppointment {
        doctor: UserId,
        patient_account: Option<UserId>,
    },
    /// Edit a doctor's profile and working pattern: the doctor themself, or an admin.
    EditDoctorProfile {
        doctor: UserId,
    },
    /// Verify a doctor's credentials, or reject them with a reason.
    VerifyDoctor,
    /// Read the audit of health data (who read or changed what, when; break-glass accesses):
    /// the admins only. Entries name records, never their content.
    ReadAudit,
    /// Read the credentials a doctor uploaded (their degree, their registration): the doctor
    /// and the admins who verify them. A doctor's photo is part of the directory instead.
    ReadDoctorCredentials {
        doctor: UserId,
    },
    /// Join an appointment's video call: its doctor, or the patient whose own account it is.
    /// Nobody else, not even an admin: the call is the consultation.
    JoinCall {
        doctor: UserId,
        patient_account: Option<UserId>,
    },
    /// Write in an appointment's conversation, or read it: its doctor, or the patient whose own
    /// account it is; the front desk too where the clinic allows it (`desk_allowed`, a clinic
    /// setting, off by default). Admins never.
    Converse {
        doctor: UserId,
        patient_account: Option<UserId>,
        desk_allowed: bool,
    },
    /// Write a consultation's note: the appointment's doctor only.
    WriteConsultationNote {
        doctor: UserId,
    },
    /// Read a consultation's note: the appointment's doctor, or the patient whose own account
    /// it is. (Other doctors read a patient's history through [`Action::ReadPatientHistory`].)
    ReadConsultationNote {
        doctor: UserId,
        patient_account: Option<UserId>,
    },
    /// Read a patient's consultations: the patient, or a doctor who has or had an appointment
    /// with them (`cares_for`). Not the front desk, not an admin: no clinical content.
    ReadPatientHistory {
        patient_account: Option<UserId>,
        cares_for: bool,
    },
    /// Record a patient's consent: the patient themself, the front desk noting that the
    /// patient agreed in person or by phone, or a doctor who treats them (`cares_for`, see
    /// [`crate::care::treats`]). An admin does not speak for patients.
    RecordConsent {
        patient_account: Option<UserId>,
        cares_for: bool,
    },
    /// Keep a patient's clinical summary (allergies, conditions): a doctor who treats them.
    WriteClinicalSummary {
        cares_for: bool,
    },
    /// Read whether a patient consented: the patient, the front desk and the admins (who
    /// arrange calls and uploads), and a doctor who treats them.
    ReadConsent {
        patient_account: Option<UserId>,
        cares_for: bool,
    },
    /// Make or change an invoice and record a payment at the desk: the front desk and admins.
    /// (A patient pays online through the payment provider, which the server records.)
    Bill,
    /// Give money back, or void an invoice, with a reason: the front desk and admins.
    Refund,
    /// Read a patient's invoices and receipts: the patient (their own), the front desk and
    /// admins. Doctors see fees, not bills.
    ReadInvoices {
        patient_account: Option<UserId>,
    },
    /// Read the clinic's takings, every desk's cash-up and the payments dashboard: admins.
    ReadTakings,
}

/// Which part of the registry a device receives when it pulls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistryScope {
    /// Staff: every patient's demographics, the doctors and the appointment book; clinical rows
    /// (conversations) only where `account` is their audience (the appointment's doctor) — and,
    /// for the front desk (`front_desk`), conversations the clinic opened to the desk; the
    /// clinic's books (invoices, payments, refunds) where `books` (the desk and admins).
    WholeRegistry {
        account: UserId,
        front_desk: bool,
        books: bool,
    },
    /// A patient: only the record linked to their own account.
    OwnRecord { account: UserId },
}

/// What part of the registry `actor` may receive.
pub fn registry_scope(actor: Actor) -> Result<RegistryScope, Denied> {
    decide(actor, Action::Sync)?;
    match actor {
        Actor::User {
            id,
            role: Role::Patient,
        } => Ok(RegistryScope::OwnRecord { account: id }),
        Actor::User { id, role } => Ok(RegistryScope::WholeRegistry {
            account: id,
            front_desk: role == Role::FrontDesk,
            books: decide(
                actor,
                Action::ReadInvoices {
                    patient_account: None,
                },
            )
            .is_ok(),
        }),
        Actor::Anonymous => Err(Denied::NotSignedIn),
        Actor::UnrecognisedRole { .. } => Err(Denied::NotPermitted),
    }
}

/// Why an action was refused. The message is safe to show; it never says whether a thing exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("Please sign in first.")]
    NotSignedIn,
    #[error("Your account is not allowed to do this.")]
    NotPermitted,
}

/// Decide whether `actor` may perform `action`.
pub fn decide(actor: Actor, action: Action) -> Result<(), Denied> {
    use Action::*;
    match action {
        ReadHealth | SignIn | SignUpAsPatient => return Ok(()),
        _ => {}
    }
    let (id, role) = match actor {
        Actor::Anonymous => return Err(Denied::NotSignedIn),
        Actor::UnrecognisedRole { .. } => {
            return match action {
                SignOut => Ok(()),
                _ => Err(Denied::NotPermitted),
            }
        }
        Actor::User { id, role } => (id, role),
    };
    let allowed = match action {
        ReadHealth | SignIn | SignUpAsPatient => true,
        SignOut | SignedIn | ReadOwnAccount => true,
        ReadPatientProfile { patient } => match role {
            Role::Patient => patient == id,
            Role::Admin | Role::Doctor | Role::FrontDesk => true,
        },
        UpdatePatientProfile { patient } => match role {
            Role::Patient => patient == id,
            Role::Admin | Role::FrontDesk => true,
            Role::Doctor => false,
        },
        CreateStaffAccount | ListAccounts => role == Role::Admin,
        ReadDoctorDirectory | Sync => true,
        RegisterPatient => matches!(role, Role::Admin | Role::FrontDesk),
        UpdateRegisteredPatient { account } => match role {
            Role::Patient => account == Some(id),
            Role::Admin | Role::FrontDesk => true,
            Role::Doctor => false,
        },
        BookAppointment {
            origin,
            patient_account,
            doctor,
            booker_treats,
        } => {
            origin.allowed_for(role)
                && match role {
                    Role::Patient => patient_account == Some(id),
                    Role::Doctor => doctor == id && booker_treats,
                    Role::Admin | Role::FrontDesk => true,
                }
        }
        ChangeAppointment {
            doctor,
            patient_account,
        } => match role {
            Role::Patient => patient_account == Some(id),
            Role::Doctor => doctor == id,
            Role::Admin | Role::FrontDesk => true,
        },
        EditDoctorProfile { doctor } => {
            role == Role::Admin || (role == Role::Doctor && doctor == id)
        }
        VerifyDoctor => role == Role::Admin,
        ReadAudit => role == Role::Admin,
        ReadDoctorCredentials { doctor } => {
            role == Role::Admin || (role == Role::Doctor && doctor == id)
        }
        Converse {
            doctor,
            patient_account,
            desk_allowed,
        } => match role {
            Role::Doctor => doctor == id,
            Role::Patient => patient_account == Some(id),
            Role::FrontDesk => desk_allowed,
            Role::Admin => false,
        },
        WriteConsultationNote { doctor } => role == Role::Doctor && doctor == id,
        ReadConsultationNote {
            doctor,
            patient_account,
        } => match role {
            Role::Doctor => doctor == id,
            Role::Patient => patient_account == Some(id),
            Role::Admin | Role::FrontDesk => false,
        },
        ReadPatientHistory {
            patient_account,
            cares_for,
        } => match role {
            Role::Doctor => cares_for,
            Role::Patient => patient_account == Some(id),
            Role::Admin | Role::FrontDesk => false,
        },
        RecordConsent {
            patient_account,
            cares_for,
        } => match role {
            Role::Patient => patient_account == Some(id),
            Role::Doctor => cares_for,
            Role::FrontDesk => true,
            Role::Admin => false,
        },
        WriteClinicalSummary { cares_for } => role == Role::Doctor && cares_for,
        Bill | Refund => matches!(role, Role::FrontDesk | Role::Admin),
        ReadInvoices { patient_account } => match role {
            Role::Patient => patient_account == Some(id),
            Role::FrontDesk | Role::Admin => true,
            Role::Doctor => false,
        },
        ReadTakings => role == Role::Admin,
        ReadConsent {
            patient_account,
            cares_for,
        } => match role {
            Role::Patient => patient_account == Some(id),
            Role::Doctor => cares_for,
            Role::FrontDesk | Role::Admin => true,
        },
        JoinCall {
            doctor,
            patient_account,
        } => match role {
            Role::Doctor => doctor == id,
            Role::Patient => patient_account == Some(id),
            Role::Admin | Role::FrontDesk => false,
        },
    };
    if allowed {
        Ok(())
    } else {
        Err(Denied::NotPermitted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn user(n: u128, role: Role) -> Actor {
        Actor::User {
            id: UserId::from_uuid(Uuid::from_u128(n)),
            role,
        }
    }

    fn id(n: u128) -> UserId {
        UserId::from_uuid(Uuid::from_u128(n))
    }

    #[test]
    fn anyone_may_check_health_sign_in_and_sign_up() {
        for actor in [
            Actor::Anonymous,
            user(1, Role::Patient),
            user(2, Role::Admin),
        ] {
            for action in [Action::ReadHealth, Action::SignIn, Action::SignUpAsPatient] {
                assert_eq!(decide(actor, action), Ok(()), "{actor:?} {action:?}");
            }
        }
    }

    #[test]
    fn the_front_desk_registers_and_edits_patients_but_a_patient_only_their_own() {
        let desk = user(1, Role::FrontDesk);
        let patient = user(2, Role::Patient);
        assert_eq!(decide(desk, Action::RegisterPatient), Ok(()));
        assert_eq!(
            decide(desk, Action::UpdateRegisteredPatient { account: None }),
            Ok(())
        );
        assert_eq!(
            decide(patient, Action::RegisterPatient),
            Err(Denied::NotPermitted)
        );
        assert_eq!(
            decide(
                patient,
                Action::UpdateRegisteredPatient {
                    account: Some(id(2))
                }
            ),
            Ok(())
        );
        for other in [None, Some(id(3))] {
            assert_eq!(
                decide(patient, Action::UpdateRegisteredPatient { account: other }),
                Err(Denied::NotPermitted)
            );
        }
        assert_eq!(
            decide(user(4, Role::Doctor), Action::RegisterPatient),
            Err(Denied::NotPermitted)
        );
    }

    #[test]
    fn patients_request_for_themselves_and_doctors_act_on_their_own_appointments() {
        use crate::appointment::Origin;
        let patient = user(2, Role::Patient);
        let book = |origin, patient_account| Action::BookAppointment {
            origin,
            patient_account,
            doctor: id(5),
            booker_treats: false,
        };
        assert_eq!(
            decide(patient, book(Origin::PatientRequest, Some(id(2)))),
            Ok(())
        );
        for action in [
            book(Origin::PatientRequest, Some(id(3))),
            book(Origin::PatientRequest, None),
            book(Origin::Booked, Some(id(2))),
            book(Origin::WalkIn, Some(id(2))),
        ] {
            assert_eq!(
                decide(patient, action),
                Err(Denied::NotPermitted),
                "{action:?}"
            );
        }
        let desk = user(1, Role::FrontDesk);
        assert_eq!(decide(desk, book(Origin::WalkIn, None)), Ok(()));
        assert_eq!(
            decide(desk, book(Origin::PatientRequest, None)),
            Err(Denied::NotPermitted)
        );
        let change = |doctor, patient_account| Action::ChangeAppointment {
            doctor,
            patient_account,
        };
        assert_eq!(decide(user(5, Role::Doctor), change(id(5), None)), Ok(()));
        assert_eq!(
            decide(user(5, Role::Doctor), change(id(6), None)),
            Err(Denied::NotPermitted)
        );
        assert_eq!(decide(patient, change(id(5), Some(id(2)))), Ok(()));
        assert_eq!(
            decide(patient, change(id(5), Some(id(3)))),
            Err(Denied::NotPermitted)
        );
        assert_eq!(decide(desk, change(id(5), None)), Ok(()));
        assert_eq!(
            decide(
                user(5, Role::Doctor),
                Action::EditDoctorProfile { doctor: id(5) }
            ),
            Ok(())
        );
        assert_eq!(
            decide(
                user(5, Role::Doctor),
                Action::EditDoctorProfile { doctor: id(6) }
            ),
            Err(Denied::NotPermitted)
        );
        assert_eq!(
            decide(user(5, Role::Doctor), Action::VerifyDoctor),
            Err(Denied::NotPermitted)
        );
        assert_eq!(decide(user(9, Role::Admin), Action::VerifyDoctor), Ok(()));
        let credentials = Action::ReadDoctorCredentials { doctor: id(5) };
        assert_eq!(decide(user(5, Role::Doctor), credentials), Ok(()));
        assert_eq!(decide(user(9, Role::Admin), credentials), Ok(()));
        for other in [
            user(6, Role::Doctor),
            user(7, Role::FrontDesk),
            user(8, Role::Patient),
        ] {
            assert_eq!(decide(other, credentials), Err(Denied::NotPermitted));
        }
        for desk_allowed in [false, true] {
            let converse = Action::Converse {
                doctor: id(5),
                patient_account: Some(id(8)),
                desk_allowed,
            };
            for (who, allowed) in [
                (user(5, Role::Doctor), true),
                (user(8, Role::Patient), true),
                (user(6, Role::Doctor), false),
                (user(9, Role::Patient), false),
                (user(7, Role::FrontDesk), desk_allowed),
                (user(1, Role::Admin), false),
            ] {
                assert_eq!(
                    decide(who, converse).is_ok(),
                    allowed,
                    "{who:?} {desk_allowed}"
                );
            }
        }
        let write = Action::WriteConsultationNote { doctor: id(5) };
        assert_eq!(decide(user(5, Role::Doctor), write), Ok(()));
        assert_eq!(
            decide(user(6, Role::Doctor), write),
            Err(Denied::NotPermitted)
        );
        assert_eq!(
            decide(user(8, Role::Patient), write),
            Err(Denied::NotPermitted)
        );
        let read = Action::ReadConsultationNote {
            doctor: id(5),
            patient_account: Some(id(8)),
        };
        for (who, allowed) in [
            (user(5, Role::Doctor), true),
            (user(8, Role::Patient), true),
            (user(6, Role::Doctor), false),
            (user(9, Role::Patient), false),
            (user(7, Role::FrontDesk), false),
            (user(1, Role::Admin), false),
        ] {
            assert_eq!(decide(who, read).is_ok(), allowed, "{who:?}");
        }
        let history = |cares_for| Action::ReadPatientHistory {
            patient_account: Some(id(8)),
            cares_for,
        };
        assert_eq!(decide(user(6, Role::Doctor), history(true)), Ok(()));
        assert_eq!(
            decide(user(6, Role::Doctor), history(false)),
            Err(Denied::NotPermitted)
        );
        assert_eq!(
            decide(user(7, Role::FrontDesk), history(true)),
            Err(Denied::NotPermitted)
        );
        assert_eq!(decide(user(8, Role::Patient), history(false)), Ok(()));
        let consent = Action::RecordConsent {
            patient_account: Some(id(8)),
            cares_for: true,
        };
        assert_eq!(decide(user(8, Role::Patient), consent), Ok(()));
        assert_eq!(decide(user(5, Role::Doctor), consent), Ok(()));
        assert_eq!(
            decide(
                user(5, Role::Doctor),
                Action::RecordConsent {
                    patient_account: Some(id(8)),
                    cares_for: false
                }
            ),
            Err(Denied::NotPermitted),
            "not for a patient the doctor does not treat"
        );
        assert_eq!(decide(user(7, Role::FrontDesk), consent), Ok(()));
        assert_eq!(
            decide(user(9, Role::Patient), consent),
            Err(Denied::NotPermitted),
            "not for another patient"
        );
        assert_eq!(
            decide(user(1, Role::Admin), consent),
            Err(Denied::NotPermitted)
        );
        let call = Action::JoinCall {
            doctor: id(5),
            patient_account: Some(id(8)),
        };
        assert_eq!(decide(user(5, Role::Doctor), call), Ok(()));
        assert_eq!(decide(user(8, Role::Patient), call), Ok(()));
        for other in [
            user(6, Role::Doctor),
            user(9, Role::Patient),
            user(7, Role::FrontDesk),
            user(1, Role::Admin),
        ] {
            assert_eq!(decide(other, call), Err(Denied::NotPermitted), "{other:?}");
        }
    }

    #[test]
    fn a_doctor_books_only_in_their_own_name_and_only_patients_they_treat() {
        use crate::appointment::Origin;
        let book = |doctor, booker_treats| Action::BookAppointment {
            origin: Origin::Booked,
            patient_account: None,
            doctor: id(doctor),
            booker_treats,
        };
        let doctor = user(5, Role::Doctor);
        assert_eq!(decide(doctor, book(5, true)), Ok(()), "a follow-up");
        for (action, why) in [
            (book(5, false), "a new patient is the desk's to book"),
            (book(6, true), "not in another doctor's name"),
            (book(6, false), "not in another doctor's name"),
        ] {
            assert_eq!(decide(doctor, action), Err(Denied::NotPermitted), "{why}");
        }
        for role in [Role::FrontDesk, Role::Admin] {
            assert_eq!(decide(user(7, role), book(6, false)), Ok(()), "{role}");
        }
    }

    #[test]
    fn a_patient_receives_only_their_own_record_and_staff_the_registry() {
        assert_eq!(
            registry_scope(user(2, Role::Patient)),
            Ok(RegistryScope::OwnRecord { account: id(2) })
        );
        for role in [Role::Admin, Role::Doctor, Role::FrontDesk] {
            assert_eq!(
                registry_scope(user(1, role)),
                Ok(RegistryScope::WholeRegistry {
                    account: id(1),
                    front_desk: role == Role::FrontDesk,
                    books: role != Role::Doctor,
                })
            );
        }
        assert_eq!(registry_scope(Actor::Anonymous), Err(Denied::NotSignedIn));
        assert_eq!(
            registry_scope(Actor::UnrecognisedRole { id: id(5) }),
            Err(Denied::NotPermitted)
        );
    }

    #[test]
    fn anonymous_is_asked_to_sign_in() {
        for action in [
            Action::SignOut,
            Action::SignedIn,
            Action::ReadOwnAccount,
            Action::ListAccounts,
            Action::ReadPatientProfile { patient: id(1) },
        ] {
            assert_eq!(decide(Actor::Anonymous, action), Err(Denied::NotSignedIn));
        }
    }

    #[test]
    fn a_patient_reads_and_edits_only_their_own_profile() {
        let me = user(7, Role::Patient);
        assert_eq!(
            decide(me, Action::ReadPatientProfile { patient: id(7) }),
            Ok(())
        );
        assert_eq!(
            decide(me, Action::UpdatePatientProfile { patient: id(7) }),
            Ok(())
        );
        assert_eq!(
            decide(me, Action::ReadPatientProfile { patient: id(8) }),
            Err(Denied::NotPermitted)
        );
        assert_eq!(
            decide(me, Action::UpdatePatientProfile { patient: id(8) }),
            Err(Denied::NotPermitted)
        );
    }

    #[test]
    fn only_admins_manage_accounts() {
        for role in Role::ALL {
            let expected = if role == Role::Admin {
                Ok(())
            } else {
                Err(Denied::NotPermitted)
            };
            assert_eq!(
                decide(user(1, role), Action::CreateStaffAccount),
                expected,
                "{role}"
            );
            assert_eq!(
                decide(user(1, role), Action::ListAccounts),
                expected,
                "{role}"
            );
        }
    }

    #[test]
    fn doctors_read_but_do_not_edit_demographics() {
        let doctor = user(3, Role::Doctor);
        assert_eq!(
            decide(doctor, Action::ReadPatientProfile { patient: id(9) }),
            Ok(())
        );
        assert_eq!(
            decide(doctor, Action::UpdatePatientProfile { patient: id(9) }),
            Err(Denied::NotPermitted)
        );
    }

    #[test]
    fn an_unrecognised_role_may_only_sign_out() {
        let odd = Actor::UnrecognisedRole { id: id(4) };
        assert_eq!(decide(odd, Action::SignOut), Ok(()));
        for action in [
            Action::SignedIn,
            Action::ReadOwnAccount,
            Action::ListAccounts,
            Action::CreateStaffAccount,
            Action::ReadDoctorDirectory,
            Action::ReadPatientProfile { patient: id(4) },
        ] {
            assert_eq!(decide(odd, action), Err(Denied::NotPermitted), "{action:?}");
        }
    }

    #[test]
    fn money_is_handled_by_the_desk_and_admins_and_the_figures_read_by_admins() {
        for role in [Role::FrontDesk, Role::Admin] {
            assert_eq!(decide(user(1, role), Action::Bill), Ok(()));
            assert_eq!(decide(user(1, role), Action::Refund), Ok(()));
        }
        for role in [Role::Doctor, Role::Patient] {
            for action in [Action::Bill, Action::Refund, Action::ReadTakings] {
                assert_eq!(
                    decide(user(1, role), action),
                    Err(Denied::NotPermitted),
                    "{role:?}"
                );
            }
        }
        assert_eq!(
            decide(user(1, Role::FrontDesk), Action::ReadTakings),
            Err(Denied::NotPermitted)
        );
        assert_eq!(decide(user(1, Role::Admin), Action::ReadTakings), Ok(()));
        let own = Action::ReadInvoices {
            patient_account: Some(UserId::from_uuid(uuid::Uuid::from_u128(1))),
        };
        assert_eq!(decide(user(1, Role::Patient), own), Ok(()));
        assert_eq!(
            decide(user(2, Role::Patient), own),
            Err(Denied::NotPermitted)
        );
        assert_eq!(
            decide(user(2, Role::Doctor), own),
            Err(Denied::NotPermitted)
        );
    }
}
