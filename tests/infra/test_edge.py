"""The public edge as an auditor reads it: Slack's route, the calendar consent's two and the
web page's, the throttling and access logs, CloudFront's origins, TLS and security headers,
and a private assets bucket holding the web page's assets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from exec_assistant.domain.errors import ConfigError
from exec_assistant.web.app import assets_folder
from exec_assistant.web.guard import CONTENT_SECURITY_POLICY, SECURITY_HEADERS
from exec_assistant_infra.edge import MissingAsset, asset_files
from infra.bucket_checks import assert_private_and_versioned, default_encryption
from infra.iam_statements import by_sid
from infra.stand_ins import Declared, declare_edge_monitoring_recovery

from pulumi_program import ACCOUNT_ID, Deployment

API = "aws:apigatewayv2/api:Api"
ROUTE = "aws:apigatewayv2/route:Route"
INTEGRATION = "aws:apigatewayv2/integration:Integration"
STAGE = "aws:apigatewayv2/stage:Stage"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
PERMISSION = "aws:lambda/permission:Permission"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
HEADERS = "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy"
OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2"
KEY_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT_ID}:key/key-key"
DOMAIN = {
    "domainName": "assistant.example.com",
    "certificateArn": f"arn:aws:acm:us-east-1:{ACCOUNT_ID}:certificate/abc",
}


@pytest.fixture(scope="module")
def prod() -> Declared:
    return declare_edge_monitoring_recovery("prod")


@pytest.fixture(scope="module")
def deployment(prod: Declared) -> Deployment:
    return prod.deployment


def test_slack_events_reaches_the_webhooks_live_alias(deployment: Deployment) -> None:
    route = deployment.one(ROUTE, "slack-events-route")
    integration = deployment.one(INTEGRATION, "slack-webhook-integration")
    assert route["routeKey"] == "POST /slack/events"
    assert route["target"] == f"integrations/{integration.outputs['id']}"
    assert integration["integrationType"] == "AWS_PROXY"
    assert integration["payloadFormatVersion"] == "2.0"
    webhook = deployment.one("aws:lambda/alias:Alias", "alias-slack_webhook")
    assert integration["integrationUri"] == webhook.outputs["arn"]


def test_only_api_gateway_on_the_slack_route_may_invoke_the_webhook(
    deployment: Deployment,
) -> None:
    api = deployment.one(API)
    permission = deployment.one(PERMISSION, "slack-webhook-from-api")
    assert permission["principal"] == "apigateway.amazonaws.com"
    assert permission["sourceArn"] == f"{api.outputs['executionArn']}/*/*/slack/events"
    assert permission["function"] == "exec-assistant-slack-webhook"
    assert permission["qualifier"] == "live"


def test_the_api_has_slacks_route_the_calendar_consents_two_and_the_web_pages_and_no_other(
    deployment: Deployment,
) -> None:
    routes = {r["routeKey"]: r for r in deployment.of_type(ROUTE)}
    assert sorted(routes) == [
        "GET /",
        "GET /oauth/calendar/callback",
        "GET /oauth/calendar/start",
        "GET /{proxy+}",
        "HEAD /",
        "HEAD /{proxy+}",
        "POST /slack/events",
        "POST /{proxy+}",
    ]
    consent = deployment.one(INTEGRATION, "calendar-consent-integration")
    assert (
        consent["integrationUri"]
        == deployment.one("aws:lambda/alias:Alias", "alias-calendar_oauth").outputs["arn"]
    )
    assert consent["payloadFormatVersion"] == "2.0"
    for key in ("GET /oauth/calendar/start", "GET /oauth/calendar/callback"):
        assert routes[key]["target"] == f"integrations/{consent.outputs['id']}"
        # Public: the policy pack admits these by name (the ticket and the state are their
        # credentials), as it admits Slack's.
        assert routes[key].get("authorizationType", "NONE") == "NONE"


def api_invocations(deployment: Deployment, function: str) -> dict[str, str]:
    """What the API may invoke `function`'s live alias for: each permission's source ARN,
    the API's execution ARN written `API`."""
    execution = deployment.one(API).outputs["executionArn"]
    permissions = [p for p in deployment.of_type(PERMISSION) if p["function"] == function]
    assert all(p["qualifier"] == "live" for p in permissions)
    assert all(p["principal"] == "apigateway.amazonaws.com" for p in permissions)
    return {p.name: p["sourceArn"].replace(execution, "API") for p in permissions}


def test_the_consent_function_may_be_invoked_by_the_api_for_its_two_pages_only(
    deployment: Deployment,
) -> None:
    assert api_invocations(deployment, "exec-assistant-calendar-oauth") == {
        "calendar-consent-start-from-api": "API/*/GET/oauth/calendar/start",
        "calendar-consent-callback-from-api": "API/*/GET/oauth/calendar/callback",
    }


def test_the_web_pages_and_their_forms_reach_the_web_functions_live_alias(
    deployment: Deployment,
) -> None:
    routes = {r["routeKey"]: r for r in deployment.of_type(ROUTE)}
    integration = deployment.one(INTEGRATION, "web-integration")
    web = deployment.one("aws:lambda/alias:Alias", "alias-web")
    assert integration["integrationUri"] == web.outputs["arn"]
    assert integration["integrationType"] == "AWS_PROXY"
    assert integration["payloadFormatVersion"] == "2.0"
    for key in ("GET /", "GET /{proxy+}", "POST /{proxy+}", "HEAD /", "HEAD /{proxy+}"):
        assert routes[key]["target"] == f"integrations/{integration.outputs['id']}"
        # Public, as the policy pack admits them: the app checks each request's session.
        assert routes[key].get("authorizationType", "NONE") == "NONE"
    # Slack's and the consent's own routes are more specific: API Gateway keeps them theirs.
    assert routes["POST /slack/events"]["target"] != routes["POST /{proxy+}"]["target"]
    assert routes["GET /oauth/calendar/start"]["target"] != routes["GET /{proxy+}"]["target"]


def test_the_web_function_may_be_invoked_by_the_api_for_get_head_and_post_only(
    deployment: Deployment,
) -> None:
    assert api_invocations(deployment, "exec-assistant-web") == {
        "web-get-from-api": "API/*/GET/*",
        "web-head-from-api": "API/*/HEAD/*",
        "web-post-from-api": "API/*/POST/*",
    }


def test_every_asset_of_the_package_is_in_the_bucket_under_assets_with_its_type(
    deployment: Deployment,
) -> None:
    bucket = deployment.one("aws:s3/bucket:Bucket", "assets")
    objects = {o["key"]: o for o in deployment.of_type(OBJECT)}
    shipped = sorted(p.name for p in assets_folder().iterdir() if p.is_file())
    assert "app.css" in shipped
    assert sorted(objects) == [f"assets/{name}" for name in shipped]
    css = objects["assets/app.css"]
    assert css["bucket"] == bucket.outputs["id"]
    assert css["contentType"] == "text/css; charset=utf-8"
    assert css["source"].path == str(assets_folder() / "app.css")
    for declared in objects.values():
        # Cached a little: the pages name them without a version.
        assert declared["cacheControl"] == "public, max-age=300"
    # Served from the bucket at the address the pages name them by.
    behaviours = {b["pathPattern"] for b in deployment.one(DISTRIBUTION)["orderedCacheBehaviors"]}
    assert "/assets/*" in behaviours


def test_an_asset_of_a_kind_without_a_content_type_stops_the_preview_naming_it(
    tmp_path: Path,
) -> None:
    (tmp_path / "app.js").write_text("document.body;\n")
    (tmp_path / "icons").mkdir()
    (tmp_path / "icons" / "mark.svg").write_text("<svg/>")
    assert sorted(asset_files(tmp_path)) == ["assets/app.js", "assets/icons/mark.svg"]
    (tmp_path / "notes.bin").write_bytes(b"\0")
    with pytest.raises(MissingAsset, match=r"notes\.bin"):
        asset_files(tmp_path)


def test_the_consents_callback_is_at_the_web_address(prod: Declared) -> None:
    distribution = prod.deployment.one(DISTRIBUTION)
    assert prod.outputs["calendar_consent_callback_url"] == (
        f"https://{distribution.outputs['domainName']}/oauth/calendar/callback"
    )
    behaviours = {b["pathPattern"]: b for b in distribution["orderedCacheBehaviors"]}
    oauth = behaviours["/oauth/*"]
    assert oauth["targetOriginId"] == "api"
    assert oauth["cachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # disabled
    # Every viewer header but Host: the consent's cookie reaches the function.
    assert oauth["originRequestPolicyId"] == "b689b0a8-53d0-40ab-baf2-68738e2966ac"


def test_the_stage_deploys_itself_and_throttles_by_the_stack_settings() -> None:
    stage = declare_edge_monitoring_recovery(
        "dev", {"apiThrottleRate": 7, "apiThrottleBurst": 11}
    ).deployment.one(STAGE)
    assert stage["name"] == "$default"
    assert stage["autoDeploy"] is True
    assert stage["defaultRouteSettings"]["throttlingRateLimit"] == 7
    assert stage["defaultRouteSettings"]["throttlingBurstLimit"] == 11


def test_access_logs_are_json_lines_without_bodies_or_headers_in_an_encrypted_group(
    deployment: Deployment,
) -> None:
    stage = deployment.one(STAGE)
    fields = json.loads(stage["accessLogSettings"]["format"])
    assert {"requestId", "ip", "routeKey", "status", "latency"} <= fields.keys()
    for variable in fields.values():
        assert variable.startswith("$context.")
        assert not any(word in variable.lower() for word in ("body", "header", "input"))
    group = deployment.one(LOG_GROUP, "api-access-logs")
    assert stage["accessLogSettings"]["destinationArn"] == group.outputs["arn"]
    assert group["kmsKeyId"] == KEY_ARN
    assert group["retentionInDays"] == 90


def test_the_assets_bucket_is_private_versioned_encrypted_and_logged(
    deployment: Deployment,
) -> None:
    assert_private_and_versioned(deployment, "assets")
    assert default_encryption(deployment, "assets")["sseAlgorithm"] == "AES256"
    logging = deployment.one("aws:s3/bucketLogging:BucketLogging", "assets-logging")
    assert (
        logging["targetBucket"]
        == deployment.one("aws:s3/bucket:Bucket", "access-logs").outputs["id"]
    )


def test_only_this_distribution_reads_the_assets(deployment: Deployment) -> None:
    policy = deployment.one("aws:s3/bucketPolicy:BucketPolicy", "assets-policy")
    statements = list(by_sid(policy).values())
    assert len(statements) == 1
    [statement] = statements
    assert statement["Effect"] == "Allow"
    assert statement["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert statement["Action"] == ["s3:GetObject"]
    distribution = deployment.one(DISTRIBUTION)
    assert statement["Condition"] == {
        "StringEquals": {"AWS:SourceArn": distribution.outputs["arn"]}
    }
    bucket = deployment.one("aws:s3/bucket:Bucket", "assets")
    assert statement["Resource"] == [f"{bucket.outputs['arn']}/*"]


def test_cloudfront_signs_its_requests_to_the_bucket_and_reaches_the_api_over_tls_1_2(
    deployment: Deployment,
) -> None:
    oac = deployment.one("aws:cloudfront/originAccessControl:OriginAccessControl")
    assert (
        oac["originAccessControlOriginType"],
        oac["signingBehavior"],
        oac["signingProtocol"],
    ) == ("s3", "always", "sigv4")
    origins = {origin["originId"]: origin for origin in deployment.one(DISTRIBUTION)["origins"]}
    assert origins["assets"]["originAccessControlId"] == oac.outputs["id"]
    api_origin = origins["api"]["customOriginConfig"]
    assert api_origin["originProtocolPolicy"] == "https-only"
    assert api_origin["originSslProtocols"] == ["TLSv1.2"]
    api = deployment.one(API)
    assert f"https://{origins['api']['domainName']}" == api.outputs["apiEndpoint"]


def test_slack_and_api_paths_go_to_the_api_uncached_and_assets_to_the_bucket(
    deployment: Deployment,
) -> None:
    distribution = deployment.one(DISTRIBUTION)
    behaviours = {b["pathPattern"]: b for b in distribution["orderedCacheBehaviors"]}
    default = distribution["defaultCacheBehavior"]
    for behaviour in (behaviours["/slack/*"], behaviours["/api/*"], default):
        assert behaviour["targetOriginId"] == "api"
        assert "POST" in behaviour["allowedMethods"]
        assert behaviour["cachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # disabled
    assert behaviours["/assets/*"]["targetOriginId"] == "assets"
    assert behaviours["/assets/*"]["allowedMethods"] == ["GET", "HEAD"]
    headers = deployment.one(HEADERS)
    for behaviour in [*behaviours.values(), default]:
        assert behaviour["viewerProtocolPolicy"] == "redirect-to-https"
        assert behaviour["responseHeadersPolicyId"] == headers.outputs["id"]
    assert distribution["priceClass"] == "PriceClass_100"


def test_every_response_carries_the_security_headers(deployment: Deployment) -> None:
    config = deployment.one(HEADERS)["securityHeadersConfig"]
    hsts = config["strictTransportSecurity"]
    assert hsts["accessControlMaxAgeSec"] == 63_072_000
    assert hsts["preload"] is True and hsts["includeSubdomains"] is True
    assert config["contentTypeOptions"]["override"] is True
    assert config["frameOptions"]["frameOption"] == "DENY"
    # No address of a page is passed to another site.
    assert config["referrerPolicy"]["referrerPolicy"] in ("no-referrer", "same-origin")
    csp = config["contentSecurityPolicy"]["contentSecurityPolicy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp


def test_the_edges_headers_are_the_web_pages_own(deployment: Deployment) -> None:
    config = deployment.one(HEADERS)["securityHeadersConfig"]
    policy = config["contentSecurityPolicy"]
    assert policy["contentSecurityPolicy"] == CONTENT_SECURITY_POLICY
    # A response with a policy of its own keeps it (the consent's pages, stricter still);
    # the rest (the assets, API Gateway's own answers) get the page's.
    assert policy["override"] is False
    assert config["frameOptions"]["frameOption"] == SECURITY_HEADERS["x-frame-options"]
    assert config["referrerPolicy"]["referrerPolicy"] == SECURITY_HEADERS["referrer-policy"]
    assert config["frameOptions"]["override"] is config["referrerPolicy"]["override"] is True


def test_without_a_domain_slack_calls_the_api_and_the_web_is_cloudfronts_address(
    prod: Declared,
) -> None:
    api = prod.deployment.one(API)
    distribution = prod.deployment.one(DISTRIBUTION)
    assert prod.outputs["slack_request_url"] == f"{api.outputs['apiEndpoint']}/slack/events"
    assert prod.outputs["web_url"] == f"https://{distribution.outputs['domainName']}"
    assert distribution["viewerCertificate"] == {"cloudfrontDefaultCertificate": True}
    assert distribution["aliases"] == []


def test_with_a_domain_cloudfront_answers_on_it_with_tls_1_2_and_slack_calls_it() -> None:
    declared = declare_edge_monitoring_recovery("prod", DOMAIN)
    distribution = declared.deployment.one(DISTRIBUTION)
    assert distribution["aliases"] == ["assistant.example.com"]
    certificate = distribution["viewerCertificate"]
    assert certificate["acmCertificateArn"] == DOMAIN["certificateArn"]
    assert certificate["minimumProtocolVersion"] == "TLSv1.2_2021"
    assert certificate["sslSupportMethod"] == "sni-only"
    assert declared.outputs == {
        "slack_request_url": "https://assistant.example.com/slack/events",
        "web_url": "https://assistant.example.com",
        "calendar_consent_callback_url": "https://assistant.example.com/oauth/calendar/callback",
    }


def test_a_domain_without_a_certificate_stops_the_preview_naming_both() -> None:
    with pytest.raises(ConfigError, match="domainName and certificateArn"):
        declare_edge_monitoring_recovery("prod", {"domainName": "assistant.example.com"})


def test_cloudfront_logs_go_to_an_encrypted_log_group_in_us_east_1(deployment: Deployment) -> None:
    source = deployment.one("aws:cloudwatch/logDeliverySource:LogDeliverySource")
    assert source["logType"] == "ACCESS_LOGS"
    assert source["resourceArn"] == deployment.one(DISTRIBUTION).outputs["arn"]
    group = deployment.one(LOG_GROUP, "distribution-access-logs")
    destination = deployment.one("aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination")
    assert (
        destination["deliveryDestinationConfiguration"]["destinationResourceArn"]
        == group.outputs["arn"]
    )
    assert group["kmsKeyId"] == KEY_ARN
    assert group["retentionInDays"] == 90
    delivery = deployment.one("aws:cloudwatch/logDelivery:LogDelivery")
    assert delivery["deliveryDestinationArn"] == destination.outputs["arn"]
    assert delivery["deliverySourceName"] == source["name"]


def test_the_dr_stack_has_no_cloudfront_log_delivery_outside_us_east_1() -> None:
    deployment = declare_edge_monitoring_recovery("dr").deployment
    assert deployment.of_type("aws:cloudwatch/logDeliverySource:LogDeliverySource") == []
    assert deployment.one(STAGE)["accessLogSettings"]["destinationArn"].startswith(
        "arn:aws:logs:us-west-2:"
    )
