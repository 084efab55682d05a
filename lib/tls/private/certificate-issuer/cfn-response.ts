/**
 * The reply to CloudFormation's presigned S3 URL. Kept here rather than taken from a package: AWS's
 * `cfn-response` module (provided only to inline ZipFile code) and its npm copies neither time out, nor
 * retry, nor check the status S3 answers, and CDK's Provider framework would add a Lambda function and a
 * role in the VPC for a single PUT. This one counts only a 2xx answer as delivered, bounds each attempt,
 * retries with backoff, and logs the host and status only (never the URL's signature or the reply's data).
 */
import * as https from 'https';

/** How long one upload of the reply may take, and the pauses before each retry. */
const RESPONSE_TIMEOUT_MS = 10 * 1000;
const RESPONSE_RETRY_DELAYS_MS = [1000, 3000];

export interface SendOptions {
  readonly timeoutMs?: number;
  readonly retryDelaysMs?: number[];
  /** A CA to trust (tests against a local HTTPS server). */
  readonly ca?: string;
}

export interface ResponseBody {
  readonly Status: string;
  readonly LogicalResourceId?: string;
  readonly RequestId?: string;
  readonly [key: string]: unknown;
}

interface DeliveryError extends Error {
  statusCode?: number;
  s3Code?: string;
}

/**
 * Uploads the reply. A refusal (for example a VPC endpoint policy that does not admit the response
 * bucket) or no answer within the timeout is logged, retried, and finally thrown, so the invocation
 * fails visibly (the errors alarm) instead of leaving CloudFormation waiting without a trace.
 */
export async function sendResponse(responseUrl: string, body: ResponseBody, options: SendOptions = {}): Promise<number> {
  const timeoutMs = options.timeoutMs || RESPONSE_TIMEOUT_MS;
  const retryDelaysMs = options.retryDelaysMs || RESPONSE_RETRY_DELAYS_MS;
  const url = new URL(responseUrl);
  if (url.protocol !== 'https:') {
    throw new Error(`Refusing to send the CloudFormation response over ${url.protocol}; the response URL must be https.`);
  }
  const payload = JSON.stringify(body);
  const attempts = retryDelaysMs.length + 1;
  for (let attempt = 1; ; attempt++) {
    try {
      return await putOnce(url, payload, timeoutMs, options.ca);
    } catch (caught) {
      const error = caught as DeliveryError;
      console.error(JSON.stringify({
        message: 'CloudFormation response not delivered',
        host: url.hostname,
        attempt,
        attempts,
        status: error.statusCode,
        s3Code: error.s3Code,
        error: error.message,
        responseStatus: body.Status,
        logicalResourceId: body.LogicalResourceId,
        requestId: body.RequestId,
      }));
      if (attempt >= attempts) {
        throw new Error(`CloudFormation response for ${body.LogicalResourceId} not delivered after ${attempts} attempts: ${error.message}`);
      }
      await new Promise((resolve) => setTimeout(resolve, retryDelaysMs[attempt - 1]));
    }
  }
}

/** One PUT of the reply; resolves with the status of a 2xx answer, rejects on anything else or after timeoutMs. */
function putOnce(url: URL, payload: string, timeoutMs: number, ca: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (error: Error | undefined, value?: number) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error); else resolve(value!);
    };
    const request = https.request({
      hostname: url.hostname,
      port: url.port || undefined,
      path: url.pathname + url.search,
      method: 'PUT',
      headers: { 'content-type': '', 'content-length': Buffer.byteLength(payload) },
      ...(ca ? { ca } : {}),
    }, (res) => {
      let answer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { answer = (answer + chunk).slice(0, 2048); });
      res.on('error', (error: Error) => finish(error));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          finish(undefined, status);
          return;
        }
        const code = /<Code>([^<]{1,100})<\/Code>/.exec(answer);
        finish(Object.assign(new Error(`HTTP ${status}${code ? ` ${code[1]}` : ''}`), { statusCode: status, s3Code: code ? code[1] : undefined }));
      });
    });
    // A bound on the whole exchange, not only on idle time: a server that trickles bytes still times out.
    const timer = setTimeout(() => {
      const error = new Error(`no answer within ${timeoutMs} ms`);
      finish(error);
      request.destroy(error);
    }, timeoutMs);
    request.on('error', (error: Error) => finish(error));
    request.end(payload);
  });
}
