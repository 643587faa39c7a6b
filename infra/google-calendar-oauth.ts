// OAuth mode's consent (Google sign-in): the URL the owner opens, and the code Google sends back exchanged
// for a refresh token. Offline access with consent asked each time, so a refresh token always comes back.
import type { CalendarOAuth } from '../core/ports/calendar-provider.ts';
import {
  CALENDAR_SCOPE,
  describeGoogleError,
  gaxiosErrorClass,
  oauthClient,
  oauthWords,
  type OAuthClientConfig,
} from './google-client.ts';

export function createGoogleCalendarOAuth(config: OAuthClientConfig, timeoutMs: number): CalendarOAuth {
  return {
    async consentUrl({ state, redirectUri }) {
      const client = await oauthClient(config, timeoutMs);
      return client.generateAuthUrl({
        access_type: 'offline',
        prompt: 'consent',
        include_granted_scopes: true,
        scope: [CALENDAR_SCOPE],
        state,
        redirect_uri: redirectUri,
      });
    },
    async exchangeCode({ code, redirectUri }) {
      const client = await oauthClient(config, timeoutMs);
      try {
        const { tokens } = await client.getToken({ code, redirect_uri: redirectUri });
        return tokens.refresh_token ? { refreshToken: tokens.refresh_token } : {};
      } catch (error) {
        const GaxiosError = await gaxiosErrorClass();
        if (!(error instanceof GaxiosError)) throw error;
        throw describeGoogleError(
          error,
          { ...oauthWords, refused: (detail) => `Google did not accept the sign-in (${detail}); start again` },
          'primary',
          [config.tokenUrl],
        );
      }
    },
  };
}
