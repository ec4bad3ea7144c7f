"""The public edge: the HTTP API Slack and the executive's browser call, and the CloudFront
distribution in front of it and of the static assets of the web pages.

The API's routes: `POST /slack/events` (the Slack webhook), `GET /oauth/calendar/start`
and `GET /oauth/calendar/callback` (the calendar consent: connecting the executive's calendar
account, whose callback address is `<web_url>/oauth/calendar/callback`), and the web page's:
`GET /`, `GET /{proxy+}`, `POST /{proxy+}` and `HEAD` of the two GET routes (every page,
its forms and the sign-in; API Gateway picks the most specific route, so Slack's and the
consent's stay theirs). The edge is
made before the functions, which are given its address, and `serve` routes them once they
exist.

Slack's request URL: with a domain of one's own (`domainName` + `certificateArn`) it is
`https://<domain>/slack/events` through CloudFront, a name that outlives the API and is served
with TLS 1.2 at least; without one it is the API's own `execute-api` address, which accepts
TLS 1.2 only, whereas CloudFront's default `*.cloudfront.net` certificate lets viewers
negotiate older versions.

CloudFront's behaviours: `/assets/*` from the assets bucket (cached; the program uploads the
package's web/assets/ there); everything else, `/slack/*`, `/api/*` and `/oauth/*` named
explicitly, from the API, uncached, every viewer header but Host passed on (Slack's signature
headers, the consent's and the web page's cookies, a form's Origin among them), because the
web pages are rendered by the API's functions.

Every response leaves CloudFront with HSTS, no sniffing, no framing and no referrer to other
sites (the page's own Referrer-Policy); a response without a Content-Security-Policy of its
own (an asset, API Gateway's own answers) gets the web page's (`exec_assistant.web.guard`),
and one with its own keeps it (the consent's pages, stricter still).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws

from exec_assistant.domain.calendar_consent import CALLBACK_PATH, START_PATH
from exec_assistant.web.app import ASSETS_PATH, assets_folder
from exec_assistant.web.guard import CONTENT_SECURITY_POLICY, SECURITY_HEADERS
from exec_assistant_infra.component_inputs import ComputeInput, KeysInput, StorageInput
from exec_assistant_infra.policy_documents import document, service_principal_allow
from exec_assistant_infra.private_bucket import AccessLogging, BucketEncryption, private_bucket
from exec_assistant_infra.stack import StackContext

SLACK_EVENTS_PATH = "/slack/events"
SLACK_ROUTE_KEY = f"POST {SLACK_EVENTS_PATH}"
CONSENT_ROUTES = {"calendar-consent-start": START_PATH, "calendar-consent-callback": CALLBACK_PATH}
"""The calendar consent's routes (GET), by logical name."""
CONSENT_FUNCTION = "calendar_oauth"
WEB_FUNCTION = "web"
WEB_ROUTES = {
    "web-root": "GET /",
    "web-pages": "GET /{proxy+}",
    "web-forms": "POST /{proxy+}",
    "web-root-head": "HEAD /",
    "web-pages-head": "HEAD /{proxy+}",
}
"""The web page's routes, by logical name: the fortnight at `/`, every other page and the
sign-in (GET), their forms (POST), and the pages' headers alone (HEAD: what an uptime check
or a link preview asks, answered as GET is, without the body)."""
API_PATH_PATTERNS = ("/slack/*", "/api/*", "/oauth/*")
ASSETS_PATH_PATTERN = f"{ASSETS_PATH}/*"
ASSETS_PREFIX = ASSETS_PATH.strip("/") + "/"
"""The assets bucket holds its objects under `assets/`, as the path names them."""
ASSET_CONTENT_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
}
"""What each kind of asset is served as (with `nosniff`, a browser uses a script or a style
sheet only under its own type)."""
ASSET_CACHE_CONTROL = "public, max-age=300"
"""The pages name the assets without a version (`/assets/app.css`): five minutes in CloudFront
and the browser, so a deployment's new style sheet reaches everyone within five minutes."""

# CloudFront's managed policies (the same ids in every account).
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
"""API Gateway answers only its own host name, so the viewer's Host must not reach it."""

ALL_METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
READ_METHODS = ["GET", "HEAD"]
API_ORIGIN = "api"
ASSETS_ORIGIN = "assets"
MINIMUM_TLS_WITH_CERTIFICATE = "TLSv1.2_2021"
HSTS_MAX_AGE_SECONDS = 2 * 365 * 24 * 3600
FRAME_OPTION = SECURITY_HEADERS["x-frame-options"]
REFERRER_POLICY = SECURITY_HEADERS["referrer-policy"]
"""The web page's own (guard.SECURITY_HEADERS), on every response of the site."""
CLOUDFRONT_LOGS_REGION = "us-east-1"
"""CloudFront's access logs are configured in us-east-1 only."""

ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "ip": "$context.identity.sourceIp",
        "requestTime": "$context.requestTime",
        "httpMethod": "$context.httpMethod",
        "routeKey": "$context.routeKey",
        "status": "$context.status",
        "protocol": "$context.protocol",
        "responseLength": "$context.responseLength",
        "latency": "$context.responseLatency",
        "integrationLatency": "$context.integrationLatency",
        "integrationError": "$context.integrationErrorMessage",
    }
)
"""One JSON line per request, with no body and no header: Slack's payloads carry meeting
content, and its headers a signature."""


PUBLIC_ASSETS = "public-assets"
"""The `DataClass` tag of a bucket whose objects are published (the policy pack lets it use
SSE-S3)."""


@dataclass(frozen=True)
class EdgeArgs:
    stack: StackContext
    keys: KeysInput
    storage: StorageInput


class MissingAsset(pulumi.RunError):
    """An asset of the web page that the program cannot serve as its kind."""


def asset_files(folder: Path | None = None) -> dict[str, Path]:
    """The web page's assets (web/assets/ of the package) by their key in the assets bucket
    (`assets/app.css`); MissingAsset naming a file of a kind that has no content type here."""
    root = folder or assets_folder()
    found: dict[str, Path] = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts or path.name.startswith("."):
            continue
        if path.suffix.lower() not in ASSET_CONTENT_TYPES:
            raise MissingAsset(
                f"the web page's asset {path.relative_to(root)} is of no kind the program "
                f"serves ({', '.join(sorted(ASSET_CONTENT_TYPES))}); add its content type to "
                "edge.ASSET_CONTENT_TYPES"
            )
        found[ASSETS_PREFIX + path.relative_to(root).as_posix()] = path
    return found


class Edge(pulumi.ComponentResource):
    api: aws.apigatewayv2.Api
    distribution: aws.cloudfront.Distribution
    assets_bucket: aws.s3.Bucket
    assets: dict[str, aws.s3.BucketObjectv2]
    """The web page's assets in the bucket, by key."""
    slack_request_url: pulumi.Output[str]
    web_url: pulumi.Output[str]
    calendar_consent_callback_url: pulumi.Output[str]
    routes: dict[str, aws.apigatewayv2.Route]

    def __init__(self, name: str, args: EdgeArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("exec-assistant:edge:Edge", name, None, opts)
        stack, settings = args.stack, args.stack.settings
        child = pulumi.ResourceOptions(parent=self)

        self.api = aws.apigatewayv2.Api(
            "api",
            name=stack.name("api"),
            protocol_type="HTTP",
            description="Slack's requests, and the web pages behind CloudFront",
            tags=stack.tags(),
            opts=child,
        )
        self.access_log_group = aws.cloudwatch.LogGroup(
            "api-access-logs",
            name=f"/aws/apigateway/{stack.name('api')}",
            retention_in_days=settings.log_retention_days,
            kms_key_id=args.keys.key.arn,
            tags=stack.tags(),
            opts=child,
        )
        self.stage = aws.apigatewayv2.Stage(
            "api-stage",
            api_id=self.api.id,
            name="$default",
            auto_deploy=True,
            default_route_settings=aws.apigatewayv2.StageDefaultRouteSettingsArgs(
                throttling_rate_limit=settings.api_throttle_rate,
                throttling_burst_limit=settings.api_throttle_burst,
            ),
            access_log_settings=aws.apigatewayv2.StageAccessLogSettingsArgs(
                destination_arn=self.access_log_group.arn, format=ACCESS_LOG_FORMAT
            ),
            tags=stack.tags(),
            opts=child,
        )
        self._child = child
        self.routes = {}

        self.assets_bucket, assets_settings = private_bucket(
            "assets",
            f"{stack.name('assets')}-{stack.account_id}-{stack.region}",
            # SSE-S3: the assets are the pages' public scripts and styles, and CloudFront
            # could read an SSE-KMS bucket only with a grant in the key's policy.
            encryption=BucketEncryption(),
            versioned=True,
            tags=stack.tags(DataClass=PUBLIC_ASSETS),
            parent=self,
            access_logging=AccessLogging(args.storage.access_logs_bucket.id, "assets/"),
        )
        self.assets = {
            key: aws.s3.BucketObjectv2(
                f"asset-{key.removeprefix(ASSETS_PREFIX).replace('/', '-')}",
                bucket=self.assets_bucket.id,
                key=key,
                source=pulumi.FileAsset(str(path)),
                content_type=ASSET_CONTENT_TYPES[path.suffix.lower()],
                cache_control=ASSET_CACHE_CONTROL,
                opts=pulumi.ResourceOptions(parent=self, depends_on=assets_settings),
            )
            for key, path in asset_files().items()
        }
        self.origin_access_control = aws.cloudfront.OriginAccessControl(
            "assets-oac",
            name=stack.global_name("assets"),
            description="CloudFront reads the assets bucket, signed",
            origin_access_control_origin_type="s3",
            signing_behavior="always",
            signing_protocol="sigv4",
            opts=child,
        )
        self.security_headers = self._security_headers(stack, child)
        self.distribution = self._distribution(stack, child)
        self.assets_bucket_policy = aws.s3.BucketPolicy(
            "assets-policy",
            bucket=self.assets_bucket.id,
            policy=document(
                service_principal_allow(
                    "cloudfront.amazonaws.com",
                    ["s3:GetObject"],
                    [self.assets_bucket.arn.apply(lambda arn: f"{arn}/*")],
                    sid="CloudFrontReadsAssets",
                    condition={"StringEquals": {"AWS:SourceArn": self.distribution.arn}},
                )
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=assets_settings),
        )
        if stack.region == CLOUDFRONT_LOGS_REGION:
            self.distribution_log_group: aws.cloudwatch.LogGroup | None = self._distribution_logs(
                stack, args.keys, child
            )
        else:
            # CloudFront delivers its logs in us-east-1, where this stack has no key to
            # encrypt them with; the API's access logs still record every request to it.
            self.distribution_log_group = None

        if settings.domain_name:
            site = f"https://{settings.domain_name}"
            self.web_url = pulumi.Output.from_input(site)
            self.slack_request_url = pulumi.Output.from_input(site + SLACK_EVENTS_PATH)
        else:
            self.web_url = self.distribution.domain_name.apply(lambda domain: f"https://{domain}")
            self.slack_request_url = self.api.api_endpoint.apply(
                lambda endpoint: endpoint + SLACK_EVENTS_PATH
            )
        self.calendar_consent_callback_url = self.web_url.apply(lambda url: url + CALLBACK_PATH)
        self.register_outputs(
            {
                "api_endpoint": self.api.api_endpoint,
                "slack_request_url": self.slack_request_url,
                "web_url": self.web_url,
                "calendar_consent_callback_url": self.calendar_consent_callback_url,
                "distribution_id": self.distribution.id,
                "assets_bucket": self.assets_bucket.bucket,
            }
        )

    def serve(self, compute: ComputeInput) -> None:
        """The routes to the functions' `live` aliases: Slack's events to the webhook, the
        calendar consent's two pages to its function, the web page's to its function. Each
        function may be invoked by the API for its own routes only (the web page's for GET
        and POST of any path: its routes are the most general ones)."""
        webhook = compute.aliases["slack_webhook"]
        integration = self._integration("slack-webhook", webhook)
        self.slack_invoke_permission = self._permission(
            "slack-webhook-from-api", webhook, f"*{SLACK_EVENTS_PATH}"
        )
        self.slack_route = self._route("slack-events-route", integration, SLACK_ROUTE_KEY)
        consent = compute.aliases[CONSENT_FUNCTION]
        consent_integration = self._integration("calendar-consent", consent)
        for name, path in CONSENT_ROUTES.items():
            self._permission(f"{name}-from-api", consent, f"GET{path}")
            self._route(f"{name}-route", consent_integration, f"GET {path}")
        web = compute.aliases[WEB_FUNCTION]
        web_integration = self._integration("web", web)
        for method in sorted({key.split()[0] for key in WEB_ROUTES.values()}):
            self._permission(f"web-{method.lower()}-from-api", web, f"{method}/*")
        for name, route_key in WEB_ROUTES.items():
            self._route(f"{name}-route", web_integration, route_key)

    def _integration(self, logical: str, alias: aws.lambda_.Alias) -> aws.apigatewayv2.Integration:
        return aws.apigatewayv2.Integration(
            f"{logical}-integration",
            api_id=self.api.id,
            integration_type="AWS_PROXY",
            integration_method="POST",
            integration_uri=alias.arn,
            payload_format_version="2.0",
            opts=self._child,
        )

    def _permission(
        self, name: str, alias: aws.lambda_.Alias, method_and_path: str
    ) -> aws.lambda_.Permission:
        return aws.lambda_.Permission(
            name,
            action="lambda:InvokeFunction",
            function=alias.function_name,
            qualifier=alias.name,
            principal="apigateway.amazonaws.com",
            source_arn=self.api.execution_arn.apply(lambda arn: f"{arn}/*/{method_and_path}"),
            opts=self._child,
        )

    def _route(
        self, name: str, integration: aws.apigatewayv2.Integration, route_key: str
    ) -> aws.apigatewayv2.Route:
        route = aws.apigatewayv2.Route(
            name,
            api_id=self.api.id,
            route_key=route_key,
            target=integration.id.apply(lambda integration_id: f"integrations/{integration_id}"),
            opts=self._child,
        )
        self.routes[route_key] = route
        return route

    def _security_headers(
        self, stack: StackContext, child: pulumi.ResourceOptions
    ) -> aws.cloudfront.ResponseHeadersPolicy:
        headers = aws.cloudfront
        return aws.cloudfront.ResponseHeadersPolicy(
            "security-headers",
            name=stack.global_name("security-headers"),
            comment="HSTS, no sniffing, no framing, no referrer, scripts from this site only",
            # The same headers as the web page's own (guard.SECURITY_HEADERS): a response
            # without a CSP gets the page's; one with its own (stricter) keeps it.
            security_headers_config=headers.ResponseHeadersPolicySecurityHeadersConfigArgs(
                strict_transport_security=headers.ResponseHeadersPolicySecurityHeadersConfigStrictTransportSecurityArgs(
                    access_control_max_age_sec=HSTS_MAX_AGE_SECONDS,
                    include_subdomains=True,
                    preload=True,
                    override=True,
                ),
                content_type_options=headers.ResponseHeadersPolicySecurityHeadersConfigContentTypeOptionsArgs(
                    override=True
                ),
                frame_options=headers.ResponseHeadersPolicySecurityHeadersConfigFrameOptionsArgs(
                    frame_option=FRAME_OPTION, override=True
                ),
                referrer_policy=headers.ResponseHeadersPolicySecurityHeadersConfigReferrerPolicyArgs(
                    referrer_policy=REFERRER_POLICY, override=True
                ),
                content_security_policy=headers.ResponseHeadersPolicySecurityHeadersConfigContentSecurityPolicyArgs(
                    content_security_policy=CONTENT_SECURITY_POLICY, override=False
                ),
            ),
            opts=child,
        )

    def _distribution(
        self, stack: StackContext, child: pulumi.ResourceOptions
    ) -> aws.cloudfront.Distribution:
        settings = stack.settings
        api_behaviour: dict[str, Any] = {
            "allowed_methods": ALL_METHODS,
            "cached_methods": READ_METHODS,
            "target_origin_id": API_ORIGIN,
            "viewer_protocol_policy": "redirect-to-https",
            "cache_policy_id": CACHING_DISABLED,
            "origin_request_policy_id": ALL_VIEWER_EXCEPT_HOST_HEADER,
            "response_headers_policy_id": self.security_headers.id,
            "compress": True,
        }
        if settings.domain_name and settings.certificate_arn:
            certificate = aws.cloudfront.DistributionViewerCertificateArgs(
                acm_certificate_arn=settings.certificate_arn,
                ssl_support_method="sni-only",
                minimum_protocol_version=MINIMUM_TLS_WITH_CERTIFICATE,
            )
            aliases = [settings.domain_name]
        else:
            certificate = aws.cloudfront.DistributionViewerCertificateArgs(
                cloudfront_default_certificate=True
            )
            aliases = []
        return aws.cloudfront.Distribution(
            "distribution",
            enabled=True,
            comment=f"{stack.name('web')}: web pages, assets and Slack's requests",
            aliases=aliases,
            price_class="PriceClass_100",
            http_version="http2and3",
            is_ipv6_enabled=True,
            origins=[
                aws.cloudfront.DistributionOriginArgs(
                    origin_id=API_ORIGIN,
                    domain_name=self.api.api_endpoint.apply(
                        lambda endpoint: endpoint.removeprefix("https://")
                    ),
                    custom_origin_config=aws.cloudfront.DistributionOriginCustomOriginConfigArgs(
                        http_port=80,
                        https_port=443,
                        origin_protocol_policy="https-only",
                        origin_ssl_protocols=["TLSv1.2"],
                    ),
                ),
                aws.cloudfront.DistributionOriginArgs(
                    origin_id=ASSETS_ORIGIN,
                    domain_name=self.assets_bucket.bucket_regional_domain_name,
                    origin_access_control_id=self.origin_access_control.id,
                ),
            ],
            default_cache_behavior=aws.cloudfront.DistributionDefaultCacheBehaviorArgs(
                **api_behaviour
            ),
            ordered_cache_behaviors=[
                aws.cloudfront.DistributionOrderedCacheBehaviorArgs(
                    path_pattern=ASSETS_PATH_PATTERN,
                    allowed_methods=READ_METHODS,
                    cached_methods=READ_METHODS,
                    target_origin_id=ASSETS_ORIGIN,
                    viewer_protocol_policy="redirect-to-https",
                    cache_policy_id=CACHING_OPTIMIZED,
                    response_headers_policy_id=self.security_headers.id,
                    compress=True,
                ),
                *(
                    aws.cloudfront.DistributionOrderedCacheBehaviorArgs(
                        path_pattern=pattern, **api_behaviour
                    )
                    for pattern in API_PATH_PATTERNS
                ),
            ],
            restrictions=aws.cloudfront.DistributionRestrictionsArgs(
                geo_restriction=aws.cloudfront.DistributionRestrictionsGeoRestrictionArgs(
                    restriction_type="none"
                )
            ),
            viewer_certificate=certificate,
            tags=stack.tags(),
            opts=child,
        )

    def _distribution_logs(
        self, stack: StackContext, keys: KeysInput, child: pulumi.ResourceOptions
    ) -> aws.cloudwatch.LogGroup:
        """CloudFront's standard logs (v2) to a log group: the legacy logs would need ACLs on
        the access logs bucket, which has them off."""
        log_group = aws.cloudwatch.LogGroup(
            "distribution-access-logs",
            name=f"/aws/vendedlogs/cloudfront/{stack.name('web')}",
            retention_in_days=stack.settings.log_retention_days,
            kms_key_id=keys.key.arn,
            tags=stack.tags(),
            opts=child,
        )
        delivery_source_name = stack.name("cloudfront")
        aws.cloudwatch.LogResourcePolicy(
            "distribution-log-delivery",
            policy_name=stack.name("cloudfront-log-delivery"),
            policy_document=document(
                service_principal_allow(
                    "delivery.logs.amazonaws.com",
                    ["logs:CreateLogStream", "logs:PutLogEvents"],
                    [log_group.arn.apply(lambda arn: f"{arn}:log-stream:*")],
                    sid="CloudFrontLogDelivery",
                    condition={
                        "StringEquals": {"aws:SourceAccount": stack.account_id},
                        "ArnLike": {
                            "aws:SourceArn": stack.arn(
                                "logs", f"delivery-source:{delivery_source_name}"
                            )
                        },
                    },
                )
            ),
            opts=child,
        )
        source = aws.cloudwatch.LogDeliverySource(
            "distribution-log-source",
            name=delivery_source_name,
            log_type="ACCESS_LOGS",
            resource_arn=self.distribution.arn,
            opts=child,
        )
        destination = aws.cloudwatch.LogDeliveryDestination(
            "distribution-log-destination",
            name=stack.name("cloudfront-logs"),
            delivery_destination_type="CWL",
            delivery_destination_configuration=aws.cloudwatch.LogDeliveryDestinationDeliveryDestinationConfigurationArgs(
                destination_resource_arn=log_group.arn
            ),
            opts=child,
        )
        aws.cloudwatch.LogDelivery(
            "distribution-log-delivery-link",
            delivery_source_name=source.name,
            delivery_destination_arn=destination.arn,
            opts=child,
        )
        return log_group
