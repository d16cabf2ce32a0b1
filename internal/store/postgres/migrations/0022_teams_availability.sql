-- Team names are unique per tenant whatever their case. A tenant that already has two teams
-- of one name keeps the oldest as it is; the others get the start of their id appended.
UPDATE teams SET name = name || ' (' || substr(id::text, 1, 8) || ')'
WHERE EXISTS (SELECT 1 FROM teams o WHERE o.tenant_id = teams.tenant_id AND lower(o.name) = lower(teams.name)
    AND (o.created_at < teams.created_at OR (o.created_at = teams.created_at AND o.id::text < teams.id::text)));
CREATE UNIQUE INDEX teams_name ON teams (tenant_id, lower(name));

-- An agent's availability: online, away or offline, and whether the agent chose it (manual)
-- or the server set it (online when a socket opens, offline a grace period after the last
-- one closed). A user without a row is offline, not manually.
CREATE TABLE user_availability (
    user_id      UUID PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    tenant_id    UUID NOT NULL REFERENCES tenants(id),
    availability TEXT NOT NULL,
    manual       BOOLEAN NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX user_availability_tenant ON user_availability (tenant_id, user_id);

-- One row per node that has, or just had, WebSockets of a user. open: the node has some, and
-- renews expires_at (its lease) while it runs; a row whose lease ran out is a node that died.
-- Not open: the node's last socket of the user closed, and expires_at is the end of the grace
-- period. The user is connected while a row's expires_at is in the future.
CREATE TABLE agent_connections (
    tenant_id  UUID NOT NULL REFERENCES tenants(id),
    user_id    UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    node       TEXT NOT NULL,
    open       BOOLEAN NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, user_id, node)
);
CREATE INDEX agent_connections_expiry ON agent_connections (expires_at);
CREATE INDEX agent_connections_node ON agent_connections (node, open);
