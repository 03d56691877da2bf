import { BadGatewayException, GatewayTimeoutException, Inject, Injectable, Logger } from '@nestjs/common';
import Stripe from 'stripe';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ValidateStripeCredentialsResponse } from './dto/validate-credentials.dto';

/**
 * The only place that talks to Stripe. Each call builds a client for the given key (keys are per
 * project), pointed at STRIPE_API_BASE, with a short timeout and no automatic retries, so a
 * "Validate" button never hangs.
 */
@Injectable()
export class StripeApiClient {
  private readonly logger = new Logger(StripeApiClient.name);

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  clientFor(secretKey: string, options: { retries?: number } = {}): Stripe {
    const base = new URL(this.config.stripeApiBase);
    return new Stripe(secretKey, {
      host: base.hostname,
      port: base.port || (base.protocol === 'https:' ? 443 : 80),
      protocol: base.protocol === 'https:' ? 'https' : 'http',
      timeout: this.config.stripeTimeoutMs,
      maxNetworkRetries: options.retries ?? 0,
      telemetry: false,
    });
  }

  /** One balance read with the key: the cheapest call every secret or restricted key may be allowed. */
  async checkSecretKey(secretKey: string): Promise<ValidateStripeCredentialsResponse> {
    try {
      await this.clientFor(secretKey).balance.retrieve();
      return { valid: true, message: 'Stripe credentials are valid' };
    } catch (error) {
      return this.describeFailure(error);
    }
  }

  /**
   * Turns a Stripe SDK error into what the developer needs to know. Stripe's own messages carry the
   * (partly masked) key and the account id, so they are never passed on or logged whole.
   */
  private describeFailure(error: unknown): ValidateStripeCredentialsResponse {
    if (!(error instanceof Stripe.errors.StripeError)) throw error;
    this.logger.warn(
      `Stripe rejected a credential check: type=${error.type} status=${error.statusCode ?? '-'} code=${error.code ?? '-'} request=${error.requestId ?? '-'}`,
    );
    if (error instanceof Stripe.errors.StripeAuthenticationError) {
      return error.code === 'api_key_expired'
        ? { valid: false, message: 'Stripe rejected the key: the API key has expired' }
        : { valid: false, message: 'Stripe rejected the key: invalid API key' };
    }
    if (error instanceof Stripe.errors.StripePermissionError) {
      const permission = /'(rak_[a-z_]+)'/.exec(error.message)?.[1];
      return {
        valid: false,
        message: permission
          ? `The restricted key is missing the permission ${permission} (needed to read the balance)`
          : 'The restricted key does not have the permission needed to read the balance',
      };
    }
    if (error instanceof Stripe.errors.StripeRateLimitError) {
      return { valid: false, message: 'Rate limited by Stripe, try again later' };
    }
    if (error instanceof Stripe.errors.StripeConnectionError) {
      if (/timeout/i.test(error.message))
        throw new GatewayTimeoutException(`Stripe did not answer within ${this.config.stripeTimeoutMs} ms`);
      throw new BadGatewayException('Could not reach Stripe');
    }
    if ((error.statusCode ?? 0) >= 500)
      throw new BadGatewayException('Stripe returned a server error, try again later');
    return { valid: false, message: `Stripe rejected the request (${error.type})` };
  }
}
