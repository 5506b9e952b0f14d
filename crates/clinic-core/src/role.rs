use serde::{Deserialize, Serialize};

/// What a person does at the clinic. Decides what the access policy allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Doctor,
    FrontDesk,
    Patient,
}

/// A role name that is not one of the four the clinic knows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{0}\" is not a role; use admin, doctor, front_desk or patient")]
pub struct UnknownRole(pub String);

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Doctor, Role::FrontDesk, Role::Patient];

    /// The stable name stored in databases and sent on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Doctor => "doctor",
            Role::FrontDesk => "front_desk",
            Role::Patient => "patient",
        }
    }

    pub const fn is_staff(self) -> bool {
        !matches!(self, Role::Patient)
    }
}

impl std::str::FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_through_its_name() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
            let json = serde_json::to_string(&role).unwrap();
            assert_eq!(json, format!("\"{}\"", role.as_str()));
        }
    }

    #[test]
    fn unknown_role_names_the_accepted_ones() {
        let err = "superuser".parse::<Role>().unwrap_err();
        assert!(err.to_string().contains("front_desk"), "{err}");
    }
}
