import { Body, Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { Roles, parseRequest, toHttpError } from '@billing/messaging';
import { ReleaseHold } from './release-hold';

const releaseBody = z.object({
  reason: z.string({ message: 'is required' }).trim().min(1, { message: 'must not be empty' }).max(2000),
  /** Who releases the hold (admin user id or email); defaults to the token's roles. */
  releasedBy: z.string().trim().min(1).max(200).optional(),
});

const accountParam = z.string().trim().min(1).max(200);

@ApiTags('holds')
@ApiBearerAuth()
@Controller('v1/accounts')
export class ReleaseHoldController {
  constructor(private readonly releaseHold: ReleaseHold) {}

  /** Lifts the account's hold: admin only, with a reason; audited and announced as AccountHoldReleased (manual). */
  @Post(':id/hold/release')
  @ApiOperation({ summary: 'Admin: lift the hold before it is paid, with a reason (audited; 409 no_active_hold)' })
  @HttpCode(200)
  @Roles('admin')
  async release(@Param('id') id: string, @Body() body: unknown, @Req() request: { principal?: { roles?: string[] } }) {
    const accountId = parseRequest(accountParam, id, 'params.id');
    const input = parseRequest(releaseBody, body ?? {});
    const releasedBy = input.releasedBy ?? `token:${(request.principal?.roles ?? ['admin']).join('+')}`;
    const result = await this.releaseHold.execute({ accountId, releasedBy, reason: input.reason });
    if (!result.ok) throw toHttpError(result, { no_active_hold: 409 }, 400);
    const { ok: _ok, ...released } = result;
    return released;
  }
}
