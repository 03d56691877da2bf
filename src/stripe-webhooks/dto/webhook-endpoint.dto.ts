import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import type { StripeMode } from '../../stripe/stripe-keys';

export class CreateWebhookEndpointRequest {
  @ApiProperty({ enum: ['test', 'live'], title: 'Mode', description: 'Whose secret key creates the endpoint' })
  @IsIn(['test', 'live'], { message: 'mode must be test or live' })
  mode: StripeMode;
}

export class WebhookEndpointResponse {
  @ApiProperty({
    type: String,
    title: 'Id',
    description: "The endpoint's id in Stripe",
    example: 'we_1Mr5jULkdIwHu7ix',
  })
  id: string;

  @ApiProperty({ enum: ['test', 'live'], title: 'Mode' })
  mode: StripeMode;

  @ApiProperty({
    type: String,
    title: 'Url',
    example: 'https://api.example.com/api/v1/payments/stripe/webhooks/3fa85f64-5717-4562-b3fc-2c963f66afa6/test',
  })
  url: string;

  @ApiProperty({ type: [String], title: 'Enabled Events', example: ['checkout.session.completed', 'invoice.paid'] })
  enabled_events: string[];

  @ApiProperty({
    type: String,
    title: 'Webhook Secret Masked',
    description: "The endpoint's signing secret, now stored as this mode's webhook secret",
    example: 'whsec_...iJkL',
  })
  webhook_secret_masked: string;

  @ApiProperty({
    type: String,
    nullable: true,
    title: 'Replaced Endpoint Id',
    description: 'The endpoint created by an earlier call, deleted from Stripe and replaced by this one',
  })
  replaced_endpoint_id: string | null;
}
