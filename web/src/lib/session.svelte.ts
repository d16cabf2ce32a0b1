// Who is signed in, and the business's directory the workspace needs everywhere.
import { api, fullName, storeToken, storedToken, unwrap, whenSignedOut, type Channel, type Role, type Tag, type Team, type User } from "./api";

const writers: Role[] = ["super_admin", "admin", "executive"];

class Session {
  token = $state<string | null>(storedToken());
  me = $state<User | null>(null);
  users = $state<User[]>([]);
  teams = $state<Team[]>([]);
  tags = $state<Tag[]>([]);
  channels = $state<Channel[]>([]);
  /** Whether the signed-in user may reply, note, assign and change conversations. */
  canWrite = $derived(this.me ? writers.includes(this.me.role) : false);

  constructor() {
    whenSignedOut(() => this.signOut());
  }

  async signIn(token: string) {
    storeToken(token);
    this.token = token;
    await this.load();
  }

  /** Loads the user and the directory; false when the stored token no longer works. */
  async load(): Promise<boolean> {
    if (!this.token) return false;
    // One round trip: the directory is asked for alongside the user (a stale token fails both).
    const [me, users, teams, tags, channels] = await Promise.all([
      unwrap(api.GET("/v1/auth/me")),
      unwrap(api.GET("/v1/users")),
      unwrap(api.GET("/v1/teams")),
      unwrap(api.GET("/v1/tags")),
      unwrap(api.GET("/v1/channels")).catch(() => ({ channels: [] as Channel[] })),
    ]);
    this.me = me.user as User;
    this.users = users.users;
    this.teams = teams.teams as Team[];
    this.tags = tags.tags;
    this.channels = channels.channels;
    return true;
  }

  /** Reads the people and teams again after the administration changed them, so every picker
   * sees the change; returns them as the API answered (teams with their member ids). */
  async refreshDirectory() {
    const [users, teams] = await Promise.all([unwrap(api.GET("/v1/users")), unwrap(api.GET("/v1/teams"))]);
    this.users = users.users;
    this.teams = teams.teams;
    return { users: users.users, teams: teams.teams };
  }

  signOut() {
    storeToken(null);
    this.token = null;
    this.me = null;
  }

  userName(id: string | null | undefined): string {
    const u = this.users.find((x) => x.id === id);
    return u ? fullName(u) : "";
  }
}

export const session = new Session();
