import { DynamicModule, Global, Module } from '@nestjs/common';
import type { ConfigAreas, ConfigOfAreas } from './load-config';

/**
 * Makes each area of the validated configuration injectable where it is used, under its area's key:
 * `@Inject(authConfig.KEY) config: AuthConfig`. The areas are the composition root's (src/app.config.ts).
 */
@Global()
@Module({})
export class ConfigModule {
  static forRoot<Areas extends ConfigAreas>(areas: Areas, config: ConfigOfAreas<Areas>): DynamicModule {
    const providers = Object.keys(areas).map((area) => ({
      provide: areas[area].KEY,
      useValue: config[area],
    }));
    return { module: ConfigModule, providers, exports: providers.map((provider) => provider.provide) };
  }
}
