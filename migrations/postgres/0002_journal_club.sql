-- Journal club: clubs (one per community), suggested papers, votes, RSVPs, sessions,
-- scheduler step claims, thread mappings (session threads, and any key → platform id an
-- adapter records, e.g. scheduled events; club_id is NULL for those) and per-member message counts.
-- Timestamps are UTC milliseconds. No table holds chat message text; `jc_papers.why` is the
-- member's own note about a paper (free text, never logged).
CREATE TABLE jc_clubs (
    id BIGSERIAL PRIMARY KEY,
    platform TEXT NOT NULL,
    guild_id TEXT NOT NULL,
    weekday BIGINT NOT NULL,
    local_time TEXT NOT NULL,
    timezone TEXT NOT NULL,
    duration_min BIGINT NOT NULL,
    announce_lead_min BIGINT NOT NULL,
    reminder_leads_min TEXT NOT NULL,
    archive_after_min BIGINT NOT NULL,
    grace_min BIGINT NOT NULL,
    channel_id TEXT NOT NULL,
    questions TEXT,
    active_since BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (platform, guild_id)
);

CREATE TABLE jc_papers (
    id BIGSERIAL PRIMARY KEY,
    club_id BIGINT NOT NULL REFERENCES jc_clubs (id) ON DELETE CASCADE,
    paper_key TEXT NOT NULL,
    title TEXT NOT NULL,
    authors TEXT NOT NULL,
    journal TEXT,
    year BIGINT,
    doi TEXT,
    pmid BIGINT,
    open_access_url TEXT,
    meta_found BOOLEAN NOT NULL,
    suggested_by TEXT NOT NULL,
    why TEXT,
    suggested_at BIGINT NOT NULL,
    status TEXT NOT NULL,
    session_start BIGINT,
    UNIQUE (club_id, paper_key)
);

CREATE TABLE jc_votes (
    club_id BIGINT NOT NULL REFERENCES jc_clubs (id) ON DELETE CASCADE,
    session_start BIGINT NOT NULL,
    user_id TEXT NOT NULL,
    paper_id BIGINT NOT NULL REFERENCES jc_papers (id) ON DELETE CASCADE,
    voted_at BIGINT NOT NULL,
    PRIMARY KEY (club_id, session_start, user_id)
);

CREATE TABLE jc_rsvps (
    club_id BIGINT NOT NULL REFERENCES jc_clubs (id) ON DELETE CASCADE,
    session_start BIGINT NOT NULL,
    user_id TEXT NOT NULL,
    joined_at BIGINT NOT NULL,
    PRIMARY KEY (club_id, session_start, user_id)
);

CREATE TABLE jc_sessions (
    club_id BIGINT NOT NULL REFERENCES jc_clubs (id) ON DELETE CASCADE,
    start_at BIGINT NOT NULL,
    end_at BIGINT NOT NULL,
    paper_id BIGINT REFERENCES jc_papers (id) ON DELETE SET NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (club_id, start_at)
);

CREATE TABLE jc_steps (
    club_id BIGINT NOT NULL REFERENCES jc_clubs (id) ON DELETE CASCADE,
    occurrence_start BIGINT NOT NULL,
    step TEXT NOT NULL,
    status TEXT NOT NULL,
    claimed_at BIGINT NOT NULL,
    PRIMARY KEY (club_id, occurrence_start, step)
);

CREATE TABLE jc_threads (
    platform TEXT NOT NULL,
    guild_id TEXT NOT NULL,
    thread_key TEXT NOT NULL,
    club_id BIGINT REFERENCES jc_clubs (id) ON DELETE CASCADE,
    session_start BIGINT,
    thread_id TEXT,
    closed BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (platform, guild_id, thread_key)
);
CREATE INDEX jc_threads_by_id ON jc_threads (platform, guild_id, thread_id);

CREATE TABLE jc_participation (
    club_id BIGINT NOT NULL REFERENCES jc_clubs (id) ON DELETE CASCADE,
    session_start BIGINT NOT NULL,
    user_id TEXT NOT NULL,
    messages BIGINT NOT NULL,
    PRIMARY KEY (club_id, session_start, user_id)
);
