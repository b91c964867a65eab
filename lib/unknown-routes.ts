import * as apigw from 'aws-cdk-lib/aws-apigateway';
import { NagSuppressions } from 'cdk-nag';
import { ERROR_STATUS } from '../lambdas/http/error-response';
import { GATEWAY_MESSAGES } from '../lambdas/http/gateway-messages';

/** The API's answer to a path or method it has no route for. */
const NOT_FOUND_BODY = JSON.stringify({ error: 'not_found', message: GATEWAY_MESSAGES.noSuchRoute });
const NOT_FOUND_STATUS = String(ERROR_STATUS.not_found);

/**
 * Makes API Gateway answer every unknown path or method itself, with 404 `not_found`.
 *
 * Why: a REST API answers a request that matches no resource or method with the
 * MISSING_AUTHENTICATION_TOKEN gateway response (with an Authorization header present, the
 * message speaks of an incomplete signature instead), exactly as it answers an unsigned or
 * malformed-signature call to an AWS_IAM method. The API answers the first with 404 and the
 * second with 403 (docs/api.md#input-rules-and-order-of-checks, docs/api.md#service-routes), and
 * one gateway response cannot do both, so unknown routes must never reach it: after the
 * route-table methods exist,
 *
 * - every resource, the root included, gets an `ANY` method: a method defined for the verb
 *   always takes precedence over `ANY`, so only the verbs without a route land here (and OPTIONS
 *   keeps its CORS preflight where origins are configured);
 * - every resource that has no path-variable child gets a `{proxy+}` child with `ANY`, which
 *   catches every deeper unknown path. API Gateway prefers a static or single-segment child over
 *   a greedy one, so `/tokens` still routes to `/tokens` and `/tokens/{id}/revoke` to `revoke`.
 *   A resource with a path-variable child (`/tokens` has `{tokenId}`) cannot also have a
 *   `{proxy+}` child (one variable child per resource); it needs none, because that child
 *   matches any next segment and has its own `ANY` and `{proxy+}`. So no request depends on
 *   API Gateway backtracking from a partial match to a greedy sibling higher up.
 *
 * These methods need no authorization: the API checks the route before authentication
 * (docs/api.md#input-rules-and-order-of-checks).
 *
 * The 404 is a MOCK integration: no function runs, nothing is billed beyond the request. Its
 * integration request maps only `application/json` (also used when there is no Content-Type)
 * and passes nothing through (NEVER): a mock fed an unmapped body (say `text/plain`) fails with a
 * 500. Such requests get API Gateway's 415 instead, which `gateway-responses.ts` maps to this
 * same 404, because in this API only these methods can answer 415 (Lambda proxy integrations
 * take any content type; CDK's CORS preflight mocks pass unmapped bodies through).
 */
export function answerUnknownRoutesWith404(api: apigw.RestApi, allowedOrigins: readonly string[]): void {
  const integration = notFoundIntegration(allowedOrigins);
  const options: apigw.MethodOptions = {
    authorizationType: apigw.AuthorizationType.NONE,
    methodResponses: [
      {
        statusCode: NOT_FOUND_STATUS,
        responseParameters: Object.fromEntries(Object.keys(responseHeaders(allowedOrigins)).map((key) => [key, true])),
      },
    ],
  };
  // Snapshot first: the loop adds `{proxy+}` resources, which get their own `ANY` below.
  const resources = [
    api.root,
    ...api.root.node.findAll().filter((c): c is apigw.Resource => c instanceof apigw.Resource),
  ];
  for (const resource of resources) {
    allowWithoutAuthorization(resource.addMethod('ANY', integration, options));
    const hasVariableChild = resource.node.children.some(
      (c) => c instanceof apigw.Resource && lastPart(c.path).startsWith('{'),
    );
    if (!hasVariableChild)
      allowWithoutAuthorization(resource.addProxy({ anyMethod: false }).addMethod('ANY', integration, options));
  }
}

function allowWithoutAuthorization(method: apigw.Method): void {
  const reason =
    'A 404 for a path or method the API does not have: the API answers an unknown route with 404 before any ' +
    'authentication, so it cannot require credentials. It is a MOCK that runs no code and reads nothing.';
  NagSuppressions.addResourceSuppressions(method, [
    { id: 'AwsSolutions-APIG4', reason },
    { id: 'AwsSolutions-COG4', reason },
  ]);
}

function lastPart(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** `Content-Type`, and with origins the CORS headers the functions and gateway responses send. */
function responseHeaders(allowedOrigins: readonly string[]): Record<string, string> {
  const [corsOrigin] = allowedOrigins;
  return {
    'method.response.header.Content-Type': "'application/json'",
    ...(corsOrigin && { 'method.response.header.Access-Control-Allow-Origin': `'${corsOrigin}'` }),
    ...(corsOrigin && corsOrigin !== '*' && { 'method.response.header.Vary': "'Origin'" }),
  };
}

function notFoundIntegration(allowedOrigins: readonly string[]): apigw.MockIntegration {
  return new apigw.MockIntegration({
    passthroughBehavior: apigw.PassthroughBehavior.NEVER,
    requestTemplates: { 'application/json': JSON.stringify({ statusCode: Number(NOT_FOUND_STATUS) }) },
    integrationResponses: [
      {
        // No selectionPattern: the default response, whatever status the mock reports.
        statusCode: NOT_FOUND_STATUS,
        responseParameters: responseHeaders(allowedOrigins),
        responseTemplates: { 'application/json': responseTemplate(allowedOrigins) },
      },
    ],
  });
}

/**
 * The body, preceded (with several origins) by the VTL that CDK's own CORS preflight uses to
 * answer the request's Origin instead of the first one when it is another allowed origin. Unlike
 * a gateway response, an integration response can do this, so a browser on any configured origin
 * can read the 404. The body has no `$` or `#`, so VTL leaves it as it is.
 */
function responseTemplate(allowedOrigins: readonly string[]): string {
  const others = allowedOrigins.slice(1);
  if (others.length === 0) return NOT_FOUND_BODY;
  return [
    '#set($origin = $input.params().header.get("Origin"))',
    '#if($origin == "")',
    '  #set($origin = $input.params().header.get("origin"))',
    '#end',
    `#if(${others.map((o) => `$origin == "${o}"`).join(' || ')})`,
    '  #set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)',
    '#end',
    NOT_FOUND_BODY,
  ].join('\n');
}
