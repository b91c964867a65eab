import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Aws, Duration, Lazy, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import type { ConsoleConfig } from '../console/src/console-config';
import { consoleContentSecurityPolicy } from '../console/src/content-security-policy';

export interface ConsoleSiteProps {
  /** The built console (`npm run build:console`); must contain index.html. */
  readonly distPath: string;
  readonly removalPolicy: RemovalPolicy;
  /** Of the deployment handler's log group. */
  readonly logRetention: logs.RetentionDays;
}

/** Where Vite puts the files whose names carry a hash of their content. */
const HASHED_DIR = 'assets';

/**
 * The web console: a private bucket, readable only by a CloudFront distribution through origin
 * access control, serving the built console over HTTPS with security headers, plus the
 * `config.json` that tells the console where its API and user pool are.
 *
 * Built in two steps because the API and the console name each other: the API's CORS needs the
 * distribution's domain (`origin`), and the console's CSP and config.json need the API. The
 * distribution itself only refers to the API's id (not its stage), so CloudFormation sees no
 * cycle. Call `allowConnectionsTo` and `deploy` once the API and the user pool exist.
 */
export class ConsoleSite extends Construct {
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  /** `https://<distribution domain>`, as browsers send it in `Origin`. */
  readonly origin: string;
  /** The console's address, ending in "/": also its sign-in callback and sign-out URL. */
  readonly url: string;
  private readonly connectSources: string[] = [];
  private readonly distPath: string;
  private readonly deploymentLogs: logs.LogGroup;
  private deployedConfig?: ConsoleConfig;

  constructor(scope: Construct, id: string, props: ConsoleSiteProps) {
    super(scope, id);
    // Checked first, so a missing build fails before anything is bundled.
    const index = path.join(props.distPath, 'index.html');
    if (!existsSync(index)) {
      throw new Error(
        `The web console is not built: ${index} does not exist. Run \`npm run build:console\` ` +
          '(`npm run synth` and `npm run deploy` do it first), or pass ' +
          '`-c consoleDist=<dir>` naming a directory with the built console.',
      );
    }
    this.distPath = props.distPath;
    // Both deployments run in one shared handler function; without this its log group would be
    // kept for two years and never deleted, unlike every other log group of the stack.
    this.deploymentLogs = new logs.LogGroup(this, 'DeploymentLogs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });

    const destroy = props.removalPolicy === RemovalPolicy.DESTROY;
    // No bucket name: CloudFormation generates one. Nobody reads it but CloudFront.
    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      removalPolicy: props.removalPolicy,
      // A bucket with objects cannot be deleted; its contents are rebuilt from the repository.
      autoDeleteObjects: destroy,
    });
    NagSuppressions.addResourceSuppressions(this.bucket, [
      {
        id: 'AwsSolutions-S1',
        reason:
          'The bucket holds only the public console build and its config.json. Its only reader ' +
          "is the stack's CloudFront distribution (origin access control) and its only writer " +
          'the deployment, which CloudTrail records; server access logs would add a second ' +
          'bucket, with its own retention and deletion, that records nothing an operator acts on.',
      },
    ]);

    // Response headers policies and origin access controls are named per account, not per region:
    // the region in the name lets the same stack name live in two regions of one account.
    const accountWideName = (construct: Construct, maxLength: number) =>
      `${Names.uniqueResourceName(construct, { maxLength: maxLength - 16 })}-${Aws.REGION}`;

    const headers = new cloudfront.ResponseHeadersPolicy(this, 'Headers', {
      comment: 'Token ledger console: security headers',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: Lazy.string({ produce: () => consoleContentSecurityPolicy(this.connectSources) }),
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        // The sign-in callback URL carries the authorization code: never pass it on.
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
      },
    });
    const nameHeaders = headers.node.defaultChild as cloudfront.CfnResponseHeadersPolicy;
    nameHeaders.addPropertyOverride('ResponseHeadersPolicyConfig.Name', accountWideName(headers, 128));

    const originAccessControl = new cloudfront.S3OriginAccessControl(this, 'OriginAccess', {
      description: 'Token ledger console: CloudFront reads the console bucket',
    });
    (originAccessControl.node.defaultChild as cloudfront.CfnOriginAccessControl).addPropertyOverride(
      'OriginAccessControlConfig.Name',
      accountWideName(originAccessControl, 64),
    );

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Token ledger web console',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        // Adds the bucket policy statement: s3:GetObject for this distribution only.
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket, { originAccessControl }),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        // Follows the objects' Cache-Control (see deploy), at least one second.
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        compress: true,
      },
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      // No errorResponses: the console routes with the URL's hash, so only "/" is ever loaded.
    });
    NagSuppressions.addResourceSuppressions(this.distribution, [
      {
        id: 'AwsSolutions-CFR1',
        reason:
          'The console is for every user of the ledger, wherever ' +
          'they are; no law or agreement limits it to some countries.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'The distribution serves only static files, with nothing to inject into and no data ' +
          'behind it; the API it calls has its own WAF web ACL (api-firewall.ts). A CloudFront web ' +
          'ACL would have to live in us-east-1, which this region-agnostic stack cannot create.',
      },
      {
        id: 'AwsSolutions-CFR3',
        reason:
          'Requests for static, public console files are not security events; sign-ins are ' +
          "recorded by Cognito and every API call by the API's access logs. Standard logging to S3 " +
          'needs a bucket with ACLs enabled, and logging to CloudWatch must be set up in us-east-1.',
      },
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'The console is served on its *.cloudfront.net domain, whose default certificate ' +
          'CloudFront allows from TLSv1 on; a minimum of TLSv1.2 needs a custom domain with an ACM ' +
          'certificate in us-east-1. Browsers that the console supports negotiate TLS 1.2 or 1.3.',
      },
    ]);

    this.origin = `https://${this.distribution.distributionDomainName}`;
    this.url = `${this.origin}/`;

    this.node.addValidation({
      validate: () => (this.config ? [] : ['ConsoleSite: deploy() was never called, so the bucket would stay empty']),
    });
  }

  /** What `deploy` writes to config.json (tokens until deploy time); undefined before. */
  get config(): ConsoleConfig | undefined {
    return this.deployedConfig;
  }

  /** Lets the console's scripts call these origins (CSP `connect-src`). */
  allowConnectionsTo(...sources: string[]): void {
    this.connectSources.push(...sources);
  }

  /**
   * Uploads the console and its config.json, in two deployments that differ in Cache-Control:
   *
   * - `assets/*`: content-hashed names, so browsers and CloudFront may keep them for a year.
   *   Not pruned: a page loaded before a deploy may still fetch the previous build's chunks, and
   *   old files are small and harmless.
   * - everything else (index.html, config.json, unhashed files such as a favicon): `no-cache`,
   *   so browsers revalidate on every load and CloudFront keeps them for its minimum TTL (one
   *   second). A new build or a new config is therefore live right after the deploy, without a
   *   CloudFront invalidation (which would slow every deploy by minutes and still leave browsers'
   *   heuristic caches stale). Pruned, except `assets/*`, which it neither uploads nor deletes.
   *   It runs after the assets, so index.html never names a chunk that is not there yet.
   */
  deploy(config: ConsoleConfig): void {
    if (this.deployedConfig) throw new Error('ConsoleSite.deploy() may only be called once');
    this.deployedConfig = config;
    const build = s3deploy.Source.asset(this.distPath);
    const assets = new s3deploy.BucketDeployment(this, 'DeployAssets', {
      destinationBucket: this.bucket,
      logGroup: this.deploymentLogs,
      sources: [build],
      // The AWS CLI's filters: the last matching one wins, and `*` spans directories.
      exclude: ['*'],
      include: [`${HASHED_DIR}/*`],
      cacheControl: [
        s3deploy.CacheControl.setPublic(),
        s3deploy.CacheControl.maxAge(Duration.days(365)),
        s3deploy.CacheControl.immutable(),
      ],
      prune: false,
    });
    const pages = new s3deploy.BucketDeployment(this, 'DeployPages', {
      destinationBucket: this.bucket,
      logGroup: this.deploymentLogs,
      // Later sources overwrite earlier ones: a config.json in the build never wins.
      sources: [build, s3deploy.Source.jsonData('config.json', config)],
      exclude: [`${HASHED_DIR}/*`],
      cacheControl: [s3deploy.CacheControl.noCache()],
      prune: true,
    });
    pages.node.addDependency(assets);

    // Both deployments run in one handler function that CDK creates once per stack; its role is
    // a child of that function.
    const handler = assets.handlerRole.node.scope;
    if (handler) {
      const bucketId = Stack.of(this).getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket);
      NagSuppressions.addResourceSuppressions(
        handler,
        [
          {
            id: 'AwsSolutions-L1',
            reason:
              "CDK's own BucketDeployment handler: CDK picks its " +
              'Python runtime, and upgrading aws-cdk-lib upgrades it.',
          },
          {
            id: 'AwsSolutions-IAM4',
            reason:
              "CDK's own BucketDeployment handler role, with the basic Lambda " +
              'execution policy CDK attaches; it runs only during deployments.',
            appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
          },
          {
            id: 'AwsSolutions-IAM5',
            reason:
              "CDK's own BucketDeployment handler, granted by CDK: it reads this deployment's " +
              'zip from the CDK asset bucket and writes, lists and prunes objects of the ' +
              'console bucket only, with the action groups those S3 operations need.',
            appliesTo: [
              'Action::s3:GetBucket*',
              'Action::s3:GetObject*',
              'Action::s3:List*',
              'Action::s3:Abort*',
              'Action::s3:DeleteObject*',
              `Resource::<${bucketId}.Arn>/*`,
              // The bootstrap qualifier is part of the asset bucket's name; any qualifier is accepted.
              {
                regex:
                  '/^Resource::arn:<AWS::Partition>:s3:::cdk-[a-z0-9]+-assets-<AWS::AccountId>-<AWS::Region>\\/\\*$/',
              },
            ],
          },
        ],
        true,
      );
    }
  }
}
