import {
  type DynamicModule,
  Controller,
  Get,
  Header,
  Inject,
  Module,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { Public } from 'nestjs-cognito-auth';

/** The meter provider the auth module records on (`metrics: { meterProvider }`), or null: metrics off. */
export const SAMPLE_METER_PROVIDER = Symbol('SAMPLE_METER_PROVIDER');
const PROMETHEUS_READER = Symbol('PROMETHEUS_READER');

/** Prometheus' text exposition format, as `/metrics` scrapers expect it. */
const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** `GET /metrics`: what the module recorded, collected when Prometheus scrapes. */
@Controller('metrics')
export class MetricsController {
  private readonly serializer = new PrometheusSerializer();

  constructor(@Inject(PROMETHEUS_READER) private readonly reader: PrometheusExporter) {}

  @Public()
  @Get()
  @Header('content-type', PROMETHEUS_CONTENT_TYPE)
  async metrics(): Promise<string> {
    const { resourceMetrics } = await this.reader.collect();
    return this.serializer.serialize(resourceMetrics);
  }
}

/**
 * COGNITO_METRICS=prometheus: an OpenTelemetry SDK meter provider whose reader is the
 * Prometheus exporter (without its own HTTP server: the app serves `/metrics` on its port).
 * Otherwise no provider, and the auth module gets `metrics: false`.
 */
@Module({})
export class SampleMetricsModule implements OnApplicationShutdown {
  static register(exporter: 'prometheus' | undefined): DynamicModule {
    if (exporter !== 'prometheus') {
      return {
        module: SampleMetricsModule,
        providers: [{ provide: SAMPLE_METER_PROVIDER, useValue: null }],
        exports: [SAMPLE_METER_PROVIDER],
      };
    }
    return {
      module: SampleMetricsModule,
      controllers: [MetricsController],
      providers: [
        { provide: PROMETHEUS_READER, useFactory: () => new PrometheusExporter({ preventServerStart: true }) },
        {
          provide: SAMPLE_METER_PROVIDER,
          useFactory: (reader: PrometheusExporter) => new MeterProvider({ readers: [reader] }),
          inject: [PROMETHEUS_READER],
        },
      ],
      exports: [SAMPLE_METER_PROVIDER],
    };
  }

  constructor(@Inject(SAMPLE_METER_PROVIDER) private readonly provider: MeterProvider | null) {}

  async onApplicationShutdown(): Promise<void> {
    await this.provider?.shutdown();
  }
}
