import { Injectable } from '@nestjs/common';
import type { StripeMode } from '../stripe/stripe-keys';
import { ProjectsService } from '../projects/projects.service';
import type { Project } from '../projects/project.entity';
import { StripeConfigRepository } from '../stripe-config/stripe-config.repository';
import {
  AggregatedLedgerQuery,
  AggregatedPaymentListResponse,
  AggregatedSubscriptionListResponse,
  PaymentStatsResponse,
  ProjectLedgerQuery,
  ProjectPaymentConfigListResponse,
  StatsQuery,
  StripePaymentListResponse,
  StripeSubscriptionListResponse,
} from './dto/payments.dto';
import { LedgerPaymentsRepository } from './ledger-payments.repository';
import { LedgerSubscriptionsRepository } from './ledger-subscriptions.repository';
import { toPaymentResponse, toProjectPaymentConfig, toSubscriptionResponse } from './payments.mapper';

const modeOf = (testMode: boolean | undefined): StripeMode | undefined =>
  testMode === undefined ? undefined : testMode ? 'test' : 'live';

/** Reads of the payments ledger: one project's lists, and the lists and stats across a developer's projects. */
@Injectable()
export class PaymentsService {
  constructor(
    private readonly subscriptions: LedgerSubscriptionsRepository,
    private readonly payments: LedgerPaymentsRepository,
    private readonly projects: ProjectsService,
    private readonly configs: StripeConfigRepository,
  ) {}

  async projectSubscriptions(projectId: string, query: ProjectLedgerQuery): Promise<StripeSubscriptionListResponse> {
    const [rows, total] = await this.subscriptions.list({
      projectIds: [projectId],
      mode: modeOf(query.test_mode),
      page: query.page,
      pageSize: query.page_size,
    });
    return { subscriptions: rows.map(toSubscriptionResponse), total, page: query.page, page_size: query.page_size };
  }

  async projectPayments(projectId: string, query: ProjectLedgerQuery): Promise<StripePaymentListResponse> {
    const [rows, total] = await this.payments.list({
      projectIds: [projectId],
      mode: modeOf(query.test_mode),
      page: query.page,
      pageSize: query.page_size,
    });
    return { payments: rows.map(toPaymentResponse), total, page: query.page, page_size: query.page_size };
  }

  async allSubscriptions(ownerId: string, query: AggregatedLedgerQuery): Promise<AggregatedSubscriptionListResponse> {
    const projects = await this.projectsOf(ownerId, query.project_id);
    const [rows, total] = await this.subscriptions.list({
      projectIds: [...projects.keys()],
      mode: modeOf(query.test_mode),
      status: query.status,
      page: query.page,
      pageSize: query.page_size,
    });
    return {
      subscriptions: rows.map((row) => ({
        ...toSubscriptionResponse(row),
        project_name: projects.get(row.project_id)?.name ?? '',
        provider: 'stripe',
      })),
      total,
      page: query.page,
      page_size: query.page_size,
    };
  }

  async allPayments(ownerId: string, query: AggregatedLedgerQuery): Promise<AggregatedPaymentListResponse> {
    const projects = await this.projectsOf(ownerId, query.project_id);
    const [rows, total] = await this.payments.list({
      projectIds: [...projects.keys()],
      mode: modeOf(query.test_mode),
      status: query.status,
      page: query.page,
      pageSize: query.page_size,
    });
    return {
      payments: rows.map((row) => ({
        ...toPaymentResponse(row),
        project_name: projects.get(row.project_id)?.name ?? '',
        provider: 'stripe',
      })),
      total,
      page: query.page,
      page_size: query.page_size,
    };
  }

  async projectConfigs(ownerId: string): Promise<ProjectPaymentConfigListResponse> {
    const projects = await this.projects.listOwnedBy(ownerId);
    const configs = new Map(
      (await this.configs.findByProjectIds(projects.map((p) => p.id))).map((c) => [c.projectId, c] as const),
    );
    return {
      projects: projects.map((project) => toProjectPaymentConfig(project, configs.get(project.id))),
      total: projects.length,
    };
  }

  async stats(ownerId: string, query: StatsQuery): Promise<PaymentStatsResponse> {
    const { projects } = await this.projectConfigs(ownerId);
    const ids = projects.map((p) => p.id);
    const mode: StripeMode = query.test_mode ? 'test' : 'live';
    const [subscriptions, byCurrency] = await Promise.all([
      this.subscriptions.counts(ids, mode),
      this.payments.totalsByCurrency(ids, mode),
    ]);
    const revenue = byCurrency.map((c) => ({
      currency: c.currency,
      total_payments: c.payments,
      successful_payments: c.successful,
      total_revenue_cents: Number(c.revenue),
    }));
    // Never a sum across currencies: the only one, else the one with the most successful payments.
    const main = [...revenue].sort(
      (a, b) => b.successful_payments - a.successful_payments || b.total_revenue_cents - a.total_revenue_cents,
    )[0];
    return {
      total_projects: projects.length,
      projects_with_config: projects.filter((p) => p.has_payment_config).length,
      projects_with_test: projects.filter((p) => p.has_test_credentials).length,
      projects_with_live: projects.filter((p) => p.has_live_credentials).length,
      total_subscriptions: subscriptions.total,
      active_subscriptions: subscriptions.active,
      total_payments: revenue.reduce((sum, c) => sum + c.total_payments, 0),
      successful_payments: revenue.reduce((sum, c) => sum + c.successful_payments, 0),
      total_revenue_cents: main?.total_revenue_cents ?? 0,
      currency: main?.currency ?? 'usd',
      revenue_by_currency: revenue,
    };
  }

  /** The caller's projects by id (only `projectId` when given: someone else's or none gives an empty list). */
  private async projectsOf(ownerId: string, projectId: string | undefined): Promise<Map<string, Project>> {
    const owned = await this.projects.listOwnedBy(ownerId);
    const wanted = projectId?.toLowerCase();
    return new Map(owned.filter((p) => !wanted || p.id === wanted).map((p) => [p.id, p] as const));
  }
}
