//! Who may do what: a member's moderator and admin powers, decided here from
//! the member's roles and resolved permissions as Discord sends them with the
//! interaction — never from the command's visibility settings alone (a server
//! admin can change those). The core re-checks the flags on every command.
//!
//! Invariant: admin ⇒ moderator. Administrator or Manage Guild, or a
//! configured admin role, make an admin; a configured moderator role makes a
//! moderator.

use crate::config::DiscordSettings;
use serenity::all::{Permissions, RoleId};

/// A member's powers in one community.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Powers {
    pub is_moderator: bool,
    pub is_admin: bool,
}

/// Decide a member's powers from their role ids and resolved permissions
/// (`None` when Discord did not send them, e.g. in a DM).
pub fn powers(
    roles: &[RoleId],
    permissions: Option<Permissions>,
    settings: &DiscordSettings,
) -> Powers {
    let has_role = |configured: &[String]| {
        roles
            .iter()
            .any(|r| configured.iter().any(|c| c.trim() == r.get().to_string()))
    };
    let by_permission =
        permissions.is_some_and(|p| p.contains(Permissions::ADMINISTRATOR) || p.manage_guild());
    let is_admin = by_permission || has_role(&settings.admin_role_ids);
    let is_moderator = is_admin || has_role(&settings.moderator_role_ids);
    Powers {
        is_moderator,
        is_admin,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> DiscordSettings {
        DiscordSettings {
            moderator_role_ids: vec!["11".into()],
            admin_role_ids: vec!["22".into()],
            ..DiscordSettings::default()
        }
    }

    #[test]
    fn roles_and_permissions_decide() {
        let s = settings();
        let member = powers(&[RoleId::new(99)], Some(Permissions::SEND_MESSAGES), &s);
        assert_eq!(member, Powers::default());
        let moderator = powers(&[RoleId::new(11)], Some(Permissions::SEND_MESSAGES), &s);
        assert!(moderator.is_moderator && !moderator.is_admin);
        let admin_role = powers(&[RoleId::new(22)], None, &s);
        assert!(admin_role.is_admin && admin_role.is_moderator);
        let manage_guild = powers(&[], Some(Permissions::MANAGE_GUILD), &s);
        assert!(manage_guild.is_admin && manage_guild.is_moderator);
        let administrator = powers(&[], Some(Permissions::ADMINISTRATOR), &s);
        assert!(administrator.is_admin);
        // Manage Messages alone (what the command visibility asks for) is not a moderator.
        let manage_messages = powers(&[], Some(Permissions::MANAGE_MESSAGES), &s);
        assert!(!manage_messages.is_moderator);
    }
}
