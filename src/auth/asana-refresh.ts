// Asana OAuth: a refresh token buys an access token of about an hour. Asana may answer with a
// new refresh token; it replaces the old one in memory (this tool never writes credentials).
import type { Grant } from './token-source.js';

export interface AsanaRefreshGrant extends Grant {
  /** The refresh token the next request will send. */
  readonly refreshToken: string;
}

export function asanaRefreshGrant(
  clientId: string,
  clientSecret: string,
  refreshToken: string,
  redirectUri?: string,
): AsanaRefreshGrant {
  let current = refreshToken;
  return {
    get refreshToken() {
      return current;
    },
    form: () => ({
      grant_type: 'refresh_token',
      client_id: clientId,
      client_secret: clientSecret,
      refresh_token: current,
      ...(redirectUri ? { redirect_uri: redirectUri } : {}),
    }),
    accepted: (body) => {
      const next = body['refresh_token'];
      if (typeof next === 'string' && next.trim() !== '') current = next.trim();
    },
  };
}
