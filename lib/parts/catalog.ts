/**
 * Catalog and queries: the Glue database feed tables are registered in (created, or the one
 * named), the Athena workgroup with encrypted results, and example queries per feed.
 */
import { Names, Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { tableNameFor } from '../../src/catalog/table-spec.ts';
import { DEFAULT_METRICS_TABLE_NAME, metricsTableInput } from '../../src/quality/metrics-table.ts';
import { PipelinePart } from './pipeline-part.ts';

export interface PipelineCatalogProps {
  /** The pipeline construct: database and workgroup names derive from its path. */
  readonly pipeline: Construct;
  readonly key: kms.IKey;
  readonly queryResultsBucket: s3.IBucket;
  /** @default - a new database named after the pipeline's path */
  readonly glueDatabaseName?: string;
  /** The bucket the metrics table reads (`_quality/metrics/`). */
  readonly outputBucket: s3.IBucket;
  /** @default 'quality_metrics' */
  readonly qualityMetricsTableName?: string;
}

/** Glue-safe identifier derived from a construct path. */
function glueSafeName(scope: Construct): string {
  return `simulacra_${Names.uniqueResourceName(scope, { maxLength: 60, separator: '_' })}`
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_');
}

export class PipelineCatalog extends PipelinePart {
  readonly glueDatabaseName: string;
  readonly athenaWorkGroup: athena.CfnWorkGroup;
  /** Glue table of quality metrics (one row per landed generation), in `glueDatabaseName`. */
  readonly qualityMetricsTableName: string;

  constructor(scope: Construct, id: string, props: PipelineCatalogProps) {
    super(scope, id);
    if (props.glueDatabaseName !== undefined) {
      this.glueDatabaseName = props.glueDatabaseName;
    } else {
      this.glueDatabaseName = glueSafeName(props.pipeline);
      new glue.CfnDatabase(this, 'GlueDatabase', {
        catalogId: Stack.of(this).account,
        databaseInput: {
          name: this.glueDatabaseName,
          description: 'Synthetic data landed by the Simulacra pipeline (one table per feed).',
        },
      });
    }
    this.qualityMetricsTableName = props.qualityMetricsTableName ?? DEFAULT_METRICS_TABLE_NAME;
    const metricsTable = new glue.CfnTable(this, 'QualityMetricsTable', {
      catalogId: Stack.of(this).account,
      databaseName: this.glueDatabaseName,
      tableInput: metricsTableInput(this.qualityMetricsTableName, props.outputBucket.bucketName),
    });
    const database = this.node.tryFindChild('GlueDatabase');
    if (database) metricsTable.node.addDependency(database);
    this.athenaWorkGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: Names.uniqueResourceName(props.pipeline, { maxLength: 128, separator: '-' }).toLowerCase(),
      description: 'Queries over Simulacra synthetic data; results are SSE-KMS encrypted.',
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        resultConfiguration: {
          outputLocation: props.queryResultsBucket.s3UrlForObject('results/'),
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: props.key.keyArn },
        },
      },
    });
    this.pinLogicalIds();
  }

  /** The Glue catalog, the pipeline database and its tables. */
  glueArns(): string[] {
    const stack = Stack.of(this);
    return [
      stack.formatArn({ service: 'glue', resource: 'catalog' }),
      stack.formatArn({ service: 'glue', resource: 'database', resourceName: this.glueDatabaseName }),
      stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${this.glueDatabaseName}/*` }),
    ];
  }

  /** Two example Athena queries per feed in the workgroup. */
  addFeedQueries(feeds: readonly string[]): void {
    for (const feed of feeds) {
      const table = `"${this.glueDatabaseName}"."${tableNameFor(feed)}"`;
      const queries = [
        {
          id: 'Partitions',
          name: `${feed}: rows per scenario and day`,
          sql: `SELECT scenario, dt, count(*) AS row_count FROM ${table} GROUP BY scenario, dt ORDER BY dt DESC, scenario LIMIT 100;`,
        },
        {
          id: 'Latest',
          name: `${feed}: sample of the latest day`,
          sql: `SELECT * FROM ${table} WHERE dt = (SELECT max(dt) FROM ${table}) LIMIT 100;`,
        },
      ];
      for (const query of queries) {
        new athena.CfnNamedQuery(this, `Feed-${feed}-${query.id}Query`, {
          database: this.glueDatabaseName,
          workGroup: this.athenaWorkGroup.ref,
          name: query.name,
          description: `Example query over the ${feed} feed`,
          queryString: query.sql,
        });
      }
    }
    this.pinLogicalIds();
  }
}
