import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import { DATA_MOUNT, WAL_MOUNT } from './bootstrap';

/**
 * The CloudWatch namespace the host's CloudWatch agent publishes to. A namespace of the library's own, so
 * the host role may publish there and nowhere else (`cloudwatch:namespace`).
 */
export const HOST_METRICS_NAMESPACE = 'TimescaleService/Host';

/**
 * The agent's `metrics` section: free space and use of the data and WAL volumes, once a minute, with only
 * the dimensions a dashboard or alarm names (`InstanceId`, `path`): the agent's host name, device and file
 * system type would make every metric a different one after a replacement.
 *
 * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-Agent-Configuration-File-Details.html
 */
export function agentMetricsSection(): { [key: string]: unknown } {
  return {
    namespace: HOST_METRICS_NAMESPACE,
    append_dimensions: { InstanceId: '${aws:InstanceId}' },
    aggregation_dimensions: [['InstanceId', 'path']],
    metrics_collected: {
      disk: {
        resources: [DATA_MOUNT, WAL_MOUNT],
        measurement: ['free', 'used_percent'],
        drop_device: true,
        metrics_collection_interval: 60,
      },
    },
  };
}

/** What the agent needs to publish the metrics above: PutMetricData into its namespace only. */
export function putHostMetricsStatement(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: ['cloudwatch:PutMetricData'],
    // PutMetricData has no resource-level permissions; the namespace condition is the limit.
    resources: ['*'],
    conditions: { StringEquals: { 'cloudwatch:namespace': HOST_METRICS_NAMESPACE } },
  });
}

/** A volume's free space (bytes, the minimum of each period), as the host's agent publishes it. */
export function volumeFreeStorageMetric(instanceId: string, mountPoint: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: HOST_METRICS_NAMESPACE,
    metricName: 'disk_free',
    dimensionsMap: { InstanceId: instanceId, path: mountPoint },
    statistic: cloudwatch.Stats.MINIMUM,
    period: Duration.minutes(5),
    ...props,
  });
}

/** A metric EC2 publishes for the instance. */
export function instanceMetric(instanceId: string, metricName: string, statistic: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/EC2',
    metricName,
    dimensionsMap: { InstanceId: instanceId },
    statistic,
    period: Duration.minutes(5),
    ...props,
  });
}
