-- Community settings, channel policies, alert audit records, nudge log, once-only jobs.
-- No table holds message text, snippets or identifiers.
CREATE TABLE guild_settings (
    platform TEXT NOT NULL,
    guild_id TEXT NOT NULL,
    mod_channel TEXT,
    default_policy TEXT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (platform, guild_id)
);

CREATE TABLE channel_policies (
    platform TEXT NOT NULL,
    guild_id TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    policy TEXT,
    exempt BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (platform, guild_id, channel_id)
);

CREATE TABLE alerts (
    id BIGSERIAL PRIMARY KEY,
    platform TEXT NOT NULL,
    guild_id TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    author_id TEXT NOT NULL,
    kinds TEXT NOT NULL,
    severity TEXT NOT NULL,
    status TEXT NOT NULL,
    outcome TEXT,
    claimed_by TEXT,
    resolved_by TEXT,
    hidden BOOLEAN NOT NULL DEFAULT FALSE,
    mod_ref TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    resolved_at BIGINT,
    UNIQUE (platform, guild_id, channel_id, message_id)
);
CREATE INDEX alerts_scope_status ON alerts (platform, guild_id, status);

CREATE TABLE nudges (
    platform TEXT NOT NULL,
    user_id TEXT NOT NULL,
    sent_at BIGINT NOT NULL
);
CREATE INDEX nudges_user ON nudges (platform, user_id, sent_at);

CREATE TABLE jobs (
    job_key TEXT PRIMARY KEY,
    claimed_at BIGINT NOT NULL
);

-- Platform ids of things the bot created, by our own key (e.g. a journal-club
-- thread or scheduled event): ids only.
CREATE TABLE platform_refs (
    platform TEXT NOT NULL,
    guild_id TEXT NOT NULL,
    ref_key TEXT NOT NULL,
    ref_value TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (platform, guild_id, ref_key)
);
