// The fake Google's identity side: service accounts and their keys, OAuth clients, Google accounts that
// consent, and the token endpoint's three grants. Written from Google's OAuth 2.0 pages (see
// google-server.ts for the list); the JWT is checked with jsonwebtoken against the key's public half.
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';

/** The one scope that covers every call the product makes (calendarList, freeBusy, events). */
export const CALENDAR_SCOPE = 'https://www.googleapis.com/auth/calendar';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** Google refuses assertions whose exp is more than an hour after iat. */
const MAX_ASSERTION_SECONDS = 3600;
/** How far a client's clock may be off before Google refuses iat/exp. */
const CLOCK_SKEW_SECONDS = 300;
const ACCESS_TOKEN_SECONDS = 3599;
const CODE_TTL_MS = 10 * 60_000;

/** The JSON key file Google Cloud's console downloads for a service account ("Keys", "Add key", JSON). */
export interface ServiceAccountKeyFile {
  type: 'service_account';
  project_id: string;
  private_key_id: string;
  private_key: string;
  client_email: string;
  client_id: string;
  auth_uri: string;
  token_uri: string;
  auth_provider_x509_cert_url: string;
  client_x509_cert_url: string;
  universe_domain: string;
}

export interface Grant {
  /** The service account's or the Google account's address: whose calendars the token reaches. */
  principal: string;
  scopes: string[];
}

interface AccessToken extends Grant {
  expiresAt: number;
  /** The refresh token it came from (OAuth mode): revoking that grant kills this token too. */
  refreshToken?: string;
}

interface OAuthClient {
  secret: string;
  redirectUris: string[];
}

interface AuthorizationCode {
  clientId: string;
  redirectUri: string;
  user: string;
  scopes: string[];
  offline: boolean;
  forceConsent: boolean;
  expiresAt: number;
  used: boolean;
}

export interface TokenAnswer {
  status: number;
  body: Record<string, unknown>;
}

export interface ConsentAnswer {
  status: number;
  /** Set for a redirect back to the application. */
  location?: string;
  /** Google shows an error page (not a redirect) for an unknown client or redirect URI. */
  page?: string;
}

const oauthError = (status: number, error: string, description: string): TokenAnswer => ({
  status,
  body: { error, error_description: description },
});

const opaque = (prefix: string): string => `${prefix}${randomBytes(24).toString('base64url')}`;

export function createAccounts(tokenUri: () => string) {
  const serviceAccounts = new Map<string, { publicKey: KeyObject; keyId: string }>();
  const clients = new Map<string, OAuthClient>();
  const codes = new Map<string, AuthorizationCode>();
  const refreshTokens = new Map<string, { clientId: string; user: string; scopes: string[]; revoked: boolean }>();
  const accessTokens = new Map<string, AccessToken>();
  /** client id → users who consented once: Google issues a refresh token again only with prompt=consent. */
  const consented = new Map<string, Set<string>>();
  let serviceAccountCount = 0;

  const issueAccessToken = (grant: Grant, refreshToken?: string) => {
    const token = opaque('ya29.fake-');
    accessTokens.set(token, { ...grant, expiresAt: Date.now() + ACCESS_TOKEN_SECONDS * 1000, refreshToken });
    return token;
  };

  function jwtBearer(form: URLSearchParams): TokenAnswer {
    const assertion = form.get('assertion') ?? '';
    const decoded = jwt.decode(assertion, { complete: true });
    if (!decoded || typeof decoded.payload === 'string') return oauthError(400, 'invalid_grant', 'Invalid JWT.');
    const claims = decoded.payload;
    const account = typeof claims.iss === 'string' ? serviceAccounts.get(claims.iss) : undefined;
    if (!account) return oauthError(400, 'invalid_grant', 'Invalid grant: account not found');
    if (decoded.header.alg !== 'RS256') return oauthError(400, 'invalid_grant', 'Invalid JWT: unsupported algorithm.');
    try {
      jwt.verify(assertion, account.publicKey, {
        algorithms: ['RS256'],
        audience: tokenUri(),
        clockTolerance: CLOCK_SKEW_SECONDS,
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (reason.includes('signature')) return oauthError(400, 'invalid_grant', 'Invalid JWT Signature.');
      if (reason.includes('audience'))
        return oauthError(
          400,
          'invalid_grant',
          `Invalid JWT: Failed audience check. The expected value was ${tokenUri()}`,
        );
      return oauthError(400, 'invalid_grant', SHORT_LIVED);
    }
    const now = Math.floor(Date.now() / 1000);
    if (
      typeof claims.iat !== 'number' ||
      typeof claims.exp !== 'number' ||
      claims.exp - claims.iat > MAX_ASSERTION_SECONDS ||
      claims.iat > now + CLOCK_SKEW_SECONDS
    )
      return oauthError(400, 'invalid_grant', SHORT_LIVED);
    const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : [];
    if (scopes.length === 0)
      return oauthError(400, 'invalid_scope', 'Invalid OAuth scope or ID token audience provided.');
    return {
      status: 200,
      body: {
        access_token: issueAccessToken({ principal: claims.iss as string, scopes }),
        expires_in: ACCESS_TOKEN_SECONDS,
        token_type: 'Bearer',
      },
    };
  }

  /** client_secret_post (google-auth-library's default) or HTTP Basic, as Google accepts both. */
  function authenticateClient(form: URLSearchParams, authorization: string | undefined): string | undefined {
    let id = form.get('client_id') ?? undefined;
    let secret = form.get('client_secret') ?? undefined;
    if (authorization?.startsWith('Basic ')) {
      const [basicId, basicSecret] = Buffer.from(authorization.slice(6), 'base64').toString('utf8').split(':');
      id = decodeURIComponent(basicId ?? '');
      secret = decodeURIComponent(basicSecret ?? '');
    }
    const client = id ? clients.get(id) : undefined;
    return client && client.secret === secret ? id : undefined;
  }

  function authorizationCode(form: URLSearchParams, clientId: string): TokenAnswer {
    const code = codes.get(form.get('code') ?? '');
    if (!code || code.clientId !== clientId) return oauthError(400, 'invalid_grant', 'Malformed auth code.');
    if (code.used || code.expiresAt < Date.now()) return oauthError(400, 'invalid_grant', 'Bad Request');
    if (code.redirectUri !== form.get('redirect_uri')) return oauthError(400, 'redirect_uri_mismatch', 'Bad Request');
    code.used = true;
    const users = consented.get(clientId) ?? new Set<string>();
    consented.set(clientId, users);
    let refreshToken: string | undefined;
    if (code.offline && (code.forceConsent || !users.has(code.user))) {
      refreshToken = opaque('1//fake-');
      refreshTokens.set(refreshToken, { clientId, user: code.user, scopes: code.scopes, revoked: false });
    }
    users.add(code.user);
    return {
      status: 200,
      body: {
        access_token: issueAccessToken({ principal: code.user, scopes: code.scopes }, refreshToken),
        expires_in: ACCESS_TOKEN_SECONDS,
        ...(refreshToken ? { refresh_token: refreshToken } : {}),
        scope: code.scopes.join(' '),
        token_type: 'Bearer',
      },
    };
  }

  function refresh(form: URLSearchParams, clientId: string): TokenAnswer {
    const token = form.get('refresh_token') ?? '';
    const grant = refreshTokens.get(token);
    if (!grant || grant.revoked || grant.clientId !== clientId)
      return oauthError(400, 'invalid_grant', 'Token has been expired or revoked.');
    return {
      status: 200,
      body: {
        access_token: issueAccessToken({ principal: grant.user, scopes: grant.scopes }, token),
        expires_in: ACCESS_TOKEN_SECONDS,
        scope: grant.scopes.join(' '),
        token_type: 'Bearer',
      },
    };
  }

  return {
    createServiceAccount(email?: string): ServiceAccountKeyFile {
      serviceAccountCount += 1;
      const address = email ?? `frontdesk-${serviceAccountCount}@fake-project.iam.gserviceaccount.com`;
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const keyId = randomBytes(20).toString('hex');
      serviceAccounts.set(address, { publicKey, keyId });
      return {
        type: 'service_account',
        project_id: 'fake-project',
        private_key_id: keyId,
        private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        client_email: address,
        client_id: String(100_000_000_000_000_000_000 + serviceAccountCount),
        auth_uri: 'https://accounts.google.com/o/oauth2/auth',
        token_uri: tokenUri(),
        auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
        client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${encodeURIComponent(address)}`,
        universe_domain: 'googleapis.com',
      };
    },

    isServiceAccount: (address: string): boolean => serviceAccounts.has(address),

    addClient(clientId: string, secret: string, redirectUris: string[]): void {
      clients.set(clientId, { secret, redirectUris });
    },

    /** POST token_uri (application/x-www-form-urlencoded). */
    token(form: URLSearchParams, authorization: string | undefined): TokenAnswer {
      const grantType = form.get('grant_type');
      if (grantType === JWT_BEARER) return jwtBearer(form);
      if (grantType !== 'authorization_code' && grantType !== 'refresh_token')
        return oauthError(400, 'unsupported_grant_type', `Invalid grant_type: ${grantType ?? ''}`);
      const clientId = authenticateClient(form, authorization);
      if (!clientId) return oauthError(401, 'invalid_client', 'Unauthorized');
      return grantType === 'authorization_code' ? authorizationCode(form, clientId) : refresh(form, clientId);
    },

    /**
     * GET /o/oauth2/v2/auth as the signed-in `user` would see it after choosing Allow (or Deny):
     * a redirect to the application with `code` (or `error=access_denied`) and its `state`.
     */
    consent(query: URLSearchParams, user: string | undefined, approve: boolean): ConsentAnswer {
      const clientId = query.get('client_id') ?? '';
      const client = clients.get(clientId);
      if (!client) return { status: 401, page: 'Error 401: invalid_client. The OAuth client was not found.' };
      const redirectUri = query.get('redirect_uri') ?? '';
      if (!client.redirectUris.includes(redirectUri))
        return { status: 400, page: `Error 400: redirect_uri_mismatch. ${redirectUri} is not registered.` };
      const back = new URL(redirectUri);
      const state = query.get('state');
      const scopes = (query.get('scope') ?? '').split(' ').filter(Boolean);
      if (query.get('response_type') !== 'code' || scopes.length === 0)
        back.searchParams.set('error', 'invalid_request');
      else if (!user || !approve) back.searchParams.set('error', 'access_denied');
      else {
        const code = opaque('4/fake-');
        codes.set(code, {
          clientId,
          redirectUri,
          user,
          scopes,
          offline: query.get('access_type') === 'offline',
          forceConsent: (query.get('prompt') ?? '').split(' ').includes('consent'),
          expiresAt: Date.now() + CODE_TTL_MS,
          used: false,
        });
        back.searchParams.set('code', code);
        back.searchParams.set('scope', scopes.join(' '));
      }
      if (state !== null) back.searchParams.set('state', state);
      return { status: 302, location: back.href };
    },

    /** The grant behind `Authorization: Bearer …`, or undefined (unknown, expired or revoked). */
    bearer(authorization: string | undefined): Grant | undefined {
      const token = authorization?.startsWith('Bearer ') ? authorization.slice(7) : undefined;
      const found = token ? accessTokens.get(token) : undefined;
      if (!found || found.expiresAt < Date.now()) return undefined;
      if (found.refreshToken && refreshTokens.get(found.refreshToken)?.revoked) return undefined;
      return { principal: found.principal, scopes: found.scopes };
    },

    /** Every access token issued so far stops working (clients must get new ones). */
    expireAccessTokens(): void {
      for (const token of accessTokens.values()) token.expiresAt = 0;
    },

    /** The user removes the application at myaccount.google.com/permissions: its tokens stop working. */
    revokeGrants(user: string): void {
      for (const grant of refreshTokens.values()) if (grant.user === user) grant.revoked = true;
    },

    refreshTokensIssued: (): string[] => [...refreshTokens.keys()],
  };
}

const SHORT_LIVED =
  'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.';

export type Accounts = ReturnType<typeof createAccounts>;
