//! The fake guild: its ids, channels, roles, users and permission overwrites.
//!
//! A [`World`] is plain data, fixed before the fake starts. Every id is a stable constant (see
//! [`ids`]) so tests and fixtures agree without passing values around. Permissions are raw
//! Discord bit sets (`u64`), so this module needs no serenity types; effective permissions are
//! computed the way Discord documents it (base role permissions, then @everyone, role and member
//! overwrites of the channel).

/// Stable snowflakes used by the default world.
pub mod ids {
    /// The application id; like real bots, the bot user has the same id.
    pub const APPLICATION: u64 = 100_000_000_000_000_001;
    /// The bot's user id.
    pub const BOT_USER: u64 = APPLICATION;
    /// The one guild the bot is in. Its @everyone role has the same id, as on Discord.
    pub const GUILD: u64 = 200_000_000_000_000_001;
    /// The @everyone role (same id as the guild).
    pub const EVERYONE_ROLE: u64 = GUILD;
    /// A text channel everyone can read and write.
    pub const GENERAL_CHANNEL: u64 = 300_000_000_000_000_001;
    /// A forum channel (type 15), e.g. for journal club threads.
    pub const FORUM_CHANNEL: u64 = 300_000_000_000_000_002;
    /// The moderators' channel: hidden from @everyone, visible to moderators and the bot.
    pub const MODERATORS_CHANNEL: u64 = 300_000_000_000_000_003;
    /// The moderator role.
    pub const MODERATOR_ROLE: u64 = 400_000_000_000_000_001;
    /// The bot's managed role (its guild-level permissions come from here).
    pub const BOT_ROLE: u64 = 400_000_000_000_000_002;
    /// The guild owner, who is also a moderator.
    pub const MODERATOR_USER: u64 = 500_000_000_000_000_001;
    /// An ordinary member without roles.
    pub const MEMBER_USER: u64 = 500_000_000_000_000_002;
}

/// Discord permission bits used by the default world (a subset; any `u64` works).
pub mod perms {
    /// KICK_MEMBERS
    pub const KICK_MEMBERS: u64 = 1 << 1;
    /// ADD_REACTIONS
    pub const ADD_REACTIONS: u64 = 1 << 6;
    /// VIEW_CHANNEL
    pub const VIEW_CHANNEL: u64 = 1 << 10;
    /// SEND_MESSAGES
    pub const SEND_MESSAGES: u64 = 1 << 11;
    /// MANAGE_MESSAGES
    pub const MANAGE_MESSAGES: u64 = 1 << 13;
    /// EMBED_LINKS
    pub const EMBED_LINKS: u64 = 1 << 14;
    /// ATTACH_FILES
    pub const ATTACH_FILES: u64 = 1 << 15;
    /// READ_MESSAGE_HISTORY
    pub const READ_MESSAGE_HISTORY: u64 = 1 << 16;
    /// USE_APPLICATION_COMMANDS
    pub const USE_APPLICATION_COMMANDS: u64 = 1 << 31;
    /// MANAGE_EVENTS
    pub const MANAGE_EVENTS: u64 = 1 << 33;
    /// MANAGE_THREADS
    pub const MANAGE_THREADS: u64 = 1 << 34;
    /// CREATE_PUBLIC_THREADS
    pub const CREATE_PUBLIC_THREADS: u64 = 1 << 35;
    /// SEND_MESSAGES_IN_THREADS
    pub const SEND_MESSAGES_IN_THREADS: u64 = 1 << 38;
    /// MODERATE_MEMBERS
    pub const MODERATE_MEMBERS: u64 = 1 << 40;
    /// CREATE_EVENTS
    pub const CREATE_EVENTS: u64 = 1 << 44;
    /// ADMINISTRATOR
    pub const ADMINISTRATOR: u64 = 1 << 3;

    /// What @everyone may do by default.
    pub const EVERYONE_DEFAULT: u64 = VIEW_CHANNEL
        | SEND_MESSAGES
        | READ_MESSAGE_HISTORY
        | ADD_REACTIONS
        | EMBED_LINKS
        | ATTACH_FILES
        | USE_APPLICATION_COMMANDS
        | SEND_MESSAGES_IN_THREADS
        | CREATE_PUBLIC_THREADS;
    /// What the moderator role adds by default.
    pub const MODERATOR_DEFAULT: u64 =
        MANAGE_MESSAGES | KICK_MEMBERS | MODERATE_MEMBERS | MANAGE_THREADS;
    /// Everything the Rounds bot needs, granted to its role by default.
    pub const BOT_DEFAULT: u64 = VIEW_CHANNEL
        | SEND_MESSAGES
        | EMBED_LINKS
        | ATTACH_FILES
        | READ_MESSAGE_HISTORY
        | ADD_REACTIONS
        | MANAGE_MESSAGES
        | MANAGE_THREADS
        | CREATE_PUBLIC_THREADS
        | SEND_MESSAGES_IN_THREADS
        | MANAGE_EVENTS
        | CREATE_EVENTS;
}

/// Discord channel types the fake knows how to describe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChannelKind {
    /// Type 0.
    Text,
    /// Type 15.
    Forum,
    /// Type 11 (a thread; `parent_id` must be set).
    PublicThread,
}

impl ChannelKind {
    /// The numeric Discord channel type.
    pub fn code(self) -> u8 {
        match self {
            Self::Text => 0,
            Self::Forum => 15,
            Self::PublicThread => 11,
        }
    }
}

/// Who a permission overwrite applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OverwriteTarget {
    /// A role (Discord overwrite type 0).
    Role(u64),
    /// A member (Discord overwrite type 1).
    Member(u64),
}

/// A channel permission overwrite.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Overwrite {
    /// Role or member the overwrite applies to.
    pub target: OverwriteTarget,
    /// Bits explicitly allowed.
    pub allow: u64,
    /// Bits explicitly denied.
    pub deny: u64,
}

/// A guild channel of the fake world.
#[derive(Clone, Debug)]
pub struct FakeChannel {
    /// Channel id.
    pub id: u64,
    /// Channel name.
    pub name: String,
    /// Channel type.
    pub kind: ChannelKind,
    /// Parent (category, or the channel a thread lives in).
    pub parent_id: Option<u64>,
    /// Permission overwrites.
    pub overwrites: Vec<Overwrite>,
}

/// A guild role of the fake world.
#[derive(Clone, Debug)]
pub struct FakeRole {
    /// Role id.
    pub id: u64,
    /// Role name.
    pub name: String,
    /// Guild-level permission bits.
    pub permissions: u64,
    /// Position in the role list.
    pub position: u16,
    /// Whether an integration (the bot) manages the role.
    pub managed: bool,
}

/// A user of the fake world, always a guild member.
#[derive(Clone, Debug)]
pub struct FakeUser {
    /// User id.
    pub id: u64,
    /// Username.
    pub username: String,
    /// Role ids (besides @everyone).
    pub roles: Vec<u64>,
    /// Whether the account is a bot.
    pub bot: bool,
}

/// Everything the fake says about the bot's guild.
#[derive(Clone, Debug)]
pub struct World {
    /// Application id (also the bot's user id).
    pub application_id: u64,
    /// The bot user.
    pub bot: FakeUser,
    /// Guild id.
    pub guild_id: u64,
    /// Guild name.
    pub guild_name: String,
    /// Guild owner.
    pub owner_id: u64,
    /// Roles including @everyone.
    pub roles: Vec<FakeRole>,
    /// Channels.
    pub channels: Vec<FakeChannel>,
    /// Human members (the bot is added to the member list separately).
    pub users: Vec<FakeUser>,
}

impl Default for World {
    fn default() -> Self {
        use ids::*;
        let hidden_from_everyone = vec![
            Overwrite {
                target: OverwriteTarget::Role(EVERYONE_ROLE),
                allow: 0,
                deny: perms::VIEW_CHANNEL,
            },
            Overwrite {
                target: OverwriteTarget::Role(MODERATOR_ROLE),
                allow: perms::VIEW_CHANNEL | perms::SEND_MESSAGES,
                deny: 0,
            },
            Overwrite {
                target: OverwriteTarget::Role(BOT_ROLE),
                allow: perms::VIEW_CHANNEL | perms::SEND_MESSAGES | perms::EMBED_LINKS,
                deny: 0,
            },
        ];
        Self {
            application_id: APPLICATION,
            bot: FakeUser {
                id: BOT_USER,
                username: "Rounds".into(),
                roles: vec![BOT_ROLE],
                bot: true,
            },
            guild_id: GUILD,
            guild_name: "Fake Doctors".into(),
            owner_id: MODERATOR_USER,
            roles: vec![
                FakeRole {
                    id: EVERYONE_ROLE,
                    name: "@everyone".into(),
                    permissions: perms::EVERYONE_DEFAULT,
                    position: 0,
                    managed: false,
                },
                FakeRole {
                    id: MODERATOR_ROLE,
                    name: "Moderators".into(),
                    permissions: perms::MODERATOR_DEFAULT,
                    position: 2,
                    managed: false,
                },
                FakeRole {
                    id: BOT_ROLE,
                    name: "Rounds".into(),
                    permissions: perms::BOT_DEFAULT,
                    position: 1,
                    managed: true,
                },
            ],
            channels: vec![
                FakeChannel {
                    id: GENERAL_CHANNEL,
                    name: "general".into(),
                    kind: ChannelKind::Text,
                    parent_id: None,
                    overwrites: Vec::new(),
                },
                FakeChannel {
                    id: FORUM_CHANNEL,
                    name: "journal-club".into(),
                    kind: ChannelKind::Forum,
                    parent_id: None,
                    overwrites: Vec::new(),
                },
                FakeChannel {
                    id: MODERATORS_CHANNEL,
                    name: "moderators".into(),
                    kind: ChannelKind::Text,
                    parent_id: None,
                    overwrites: hidden_from_everyone,
                },
            ],
            users: vec![
                FakeUser {
                    id: MODERATOR_USER,
                    username: "dr_mod".into(),
                    roles: vec![MODERATOR_ROLE],
                    bot: false,
                },
                FakeUser {
                    id: MEMBER_USER,
                    username: "dr_member".into(),
                    roles: Vec::new(),
                    bot: false,
                },
            ],
        }
    }
}

impl World {
    /// The user with this id (humans and the bot).
    pub fn user(&self, id: u64) -> Option<&FakeUser> {
        if id == self.bot.id {
            return Some(&self.bot);
        }
        self.users.iter().find(|u| u.id == id)
    }

    /// The default moderator.
    pub fn moderator(&self) -> &FakeUser {
        self.user(ids::MODERATOR_USER).unwrap_or(&self.bot)
    }

    /// The default ordinary member.
    pub fn member(&self) -> &FakeUser {
        self.user(ids::MEMBER_USER).unwrap_or(&self.bot)
    }

    /// The channel with this id.
    pub fn channel(&self, id: u64) -> Option<&FakeChannel> {
        self.channels.iter().find(|c| c.id == id)
    }

    /// Guild-level permissions of a user: @everyone plus the user's roles.
    pub fn base_permissions(&self, user: &FakeUser) -> u64 {
        if user.id == self.owner_id {
            return u64::MAX >> 13; // all currently defined bits
        }
        let mut bits = 0;
        for role in &self.roles {
            if role.id == self.guild_id || user.roles.contains(&role.id) {
                bits |= role.permissions;
            }
        }
        if bits & perms::ADMINISTRATOR != 0 {
            return u64::MAX >> 13;
        }
        bits
    }

    /// Effective permissions of a user in a channel (Discord's documented algorithm; threads
    /// use their parent's overwrites).
    pub fn channel_permissions(&self, user: &FakeUser, channel_id: u64) -> u64 {
        let base = self.base_permissions(user);
        if base == u64::MAX >> 13 {
            return base;
        }
        let Some(mut channel) = self.channel(channel_id) else {
            return base;
        };
        if channel.kind == ChannelKind::PublicThread
            && let Some(parent) = channel.parent_id.and_then(|p| self.channel(p))
        {
            channel = parent;
        }
        let mut bits = base;
        let find = |t: OverwriteTarget| channel.overwrites.iter().find(|o| o.target == t);
        if let Some(o) = find(OverwriteTarget::Role(self.guild_id)) {
            bits = (bits & !o.deny) | o.allow;
        }
        let (mut allow, mut deny) = (0, 0);
        for role in &user.roles {
            if let Some(o) = find(OverwriteTarget::Role(*role)) {
                allow |= o.allow;
                deny |= o.deny;
            }
        }
        bits = (bits & !deny) | allow;
        if let Some(o) = find(OverwriteTarget::Member(user.id)) {
            bits = (bits & !o.deny) | o.allow;
        }
        bits
    }
}
