// /api/auth: sign-up, login, refresh, logout, profile and password (seed 002 shapes).
import { z } from 'zod';
import type { AccountService } from '../../core/accounts/account-service.ts';
import { toPublicUser } from '../../core/accounts/owners.ts';
import { LANGUAGES } from '../../core/assistant/language.ts';
import { route, type AnyRoute } from '../route.ts';
import { currentOwner } from '../state.ts';

const email = z
  .email('Enter a valid email address')
  .max(254)
  .transform((value) => value.trim());
const password = z
  .string()
  .min(8, 'Password must be at least 8 characters')
  .max(256, 'Password must be at most 256 characters');
const salonName = z.string().trim().min(1, 'Salon name is required').max(200);

export const userSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    salon_name: z.string(),
    is_trial: z.boolean(),
    trial_end_date: z.string().nullable(),
    role: z.enum(['admin', 'user', 'guest']),
    timezone: z.string(),
    language: z.string(),
  })
  .meta({ id: 'User' });
const tokenPair = z.object({ access: z.string(), refresh: z.string() }).meta({ id: 'TokenPair' });
const session = tokenPair.extend({ user: userSchema }).meta({ id: 'Session' });
const ok = z.object({ detail: z.string() });

export function authRoutes(accounts: AccountService): AnyRoute[] {
  return [
    route({
      method: 'post',
      path: '/auth/register',
      tag: 'auth',
      access: 'public',
      summary: 'Create an owner account (14-day trial) and log in',
      body: z.object({ email, password, salon_name: salonName }),
      responses: {
        201: { description: 'Registered', schema: session },
        409: { description: 'Email already registered' },
        429: { description: 'Too many registrations from this address' },
      },
      handler: async (ctx, { body }) => {
        ctx.status = 201;
        return accounts.register(body, ctx.ip);
      },
    }),
    route({
      method: 'post',
      path: '/auth/login',
      tag: 'auth',
      access: 'public',
      summary: 'Log in with email and password',
      body: z.object({ email, password: z.string().min(1, 'Password is required').max(256) }),
      responses: {
        200: { description: 'Logged in', schema: session },
        401: { description: 'Wrong email or password' },
        429: { description: 'Too many failed attempts; see Retry-After' },
      },
      handler: (ctx, { body }) => accounts.login(body, ctx.ip),
    }),
    route({
      method: 'post',
      path: '/auth/refresh',
      tag: 'auth',
      access: 'public',
      summary: 'Exchange a refresh token for a new pair (the old one stops working)',
      body: z.object({ refresh: z.string().min(1).max(512) }),
      responses: {
        200: { description: 'New tokens', schema: tokenPair },
        401: { description: 'Token unknown, expired, revoked or reused' },
      },
      handler: (_ctx, { body }) => accounts.refresh(body.refresh),
    }),
    route({
      method: 'post',
      path: '/auth/logout',
      tag: 'auth',
      access: 'authenticated',
      summary: 'End this session (and the session of the given refresh token)',
      body: z.object({ refresh: z.string().max(512).optional() }),
      responses: { 200: { description: 'Logged out', schema: ok } },
      handler: async (ctx, { body }) => {
        const owner = currentOwner(ctx.state);
        await accounts.logout(owner.id, ctx.state.sessionId ?? '', body.refresh);
        return { detail: 'Logged out' };
      },
    }),
    route({
      method: 'get',
      path: '/auth/me',
      tag: 'auth',
      access: 'authenticated',
      summary: 'The logged-in owner',
      responses: { 200: { description: 'Profile', schema: userSchema } },
      handler: async (ctx) => toPublicUser(currentOwner(ctx.state)),
    }),
    route({
      method: 'put',
      path: '/auth/me',
      tag: 'auth',
      access: 'write',
      summary: 'Update salon name, time zone or language',
      body: z
        .object({
          salon_name: salonName.optional(),
          timezone: z.string().min(1).max(64).optional(),
          language: z.enum(LANGUAGES as [string, ...string[]]).optional(),
        })
        .strict(),
      responses: { 200: { description: 'Updated profile', schema: userSchema } },
      handler: (ctx, { body }) => accounts.updateProfile(currentOwner(ctx.state).id, body),
    }),
    route({
      method: 'post',
      path: '/auth/change-password',
      tag: 'auth',
      access: 'write',
      summary: 'Change the password; every session ends and a new one starts',
      body: z.object({ old_password: z.string().min(1).max(256), new_password: password }),
      responses: { 200: { description: 'Changed; tokens of the new session', schema: tokenPair } },
      handler: (ctx, { body }) =>
        accounts.changePassword(currentOwner(ctx.state).id, body.old_password, body.new_password),
    }),
  ];
}
