import { DynamicModule, Global, Module } from '@nestjs/common';
import { type AppConfig, CONFIG_AREAS } from './app-config';

/**
 * Makes each area of the validated configuration injectable where it is used, under its area's key:
 * `@Inject(authConfig.KEY) config: AuthConfig`.
 */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    const providers = (Object.keys(CONFIG_AREAS) as (keyof AppConfig)[]).map((area) => ({
      provide: CONFIG_AREAS[area].KEY,
      useValue: config[area],
    }));
    return { module: ConfigModule, providers, exports: providers.map((provider) => provider.provide) };
  }
}
