// /api/admin: platform admins list and manage every owner account.
import { z } from 'zod';
import type { createAdminService } from '../../core/accounts/admin-service.ts';
import { route, type AnyRoute } from '../route.ts';
import { userSchema } from './auth.ts';

const adminUser = userSchema.extend({ is_active: z.boolean(), created_at: z.string() }).meta({ id: 'AdminUser' });

export const pageQuery = z.object({
  page: z.coerce.number().int().min(1).default(1),
  page_size: z.coerce.number().int().min(1).max(100).default(20),
});

export function adminRoutes(admin: ReturnType<typeof createAdminService>): AnyRoute[] {
  return [
    route({
      method: 'get',
      path: '/admin/users',
      tag: 'admin',
      access: 'admin',
      summary: 'Every owner account, newest first',
      query: pageQuery,
      responses: {
        200: {
          description: 'A page of accounts',
          schema: z.object({ items: z.array(adminUser), total: z.number(), page: z.number(), page_size: z.number() }),
        },
      },
      handler: (_ctx, { query }) => admin.listOwners(query.page, query.page_size),
    }),
    route({
      method: 'put',
      path: '/admin/users/:id',
      tag: 'admin',
      access: 'admin',
      summary: "Change an account's role or deactivate it",
      params: z.object({ id: z.uuid('Not a valid user id') }),
      body: z
        .object({ role: z.enum(['admin', 'user', 'guest']).optional(), is_active: z.boolean().optional() })
        .strict(),
      responses: {
        200: { description: 'Updated account', schema: adminUser },
        404: { description: 'No such account' },
      },
      handler: (_ctx, { params, body }) => admin.updateOwner(params.id, body),
    }),
  ];
}
