using System.Text.Json.Nodes;
using LabelLoop.Core.Accounts;
using LabelLoop.Web.Accounts;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace LabelLoop.Web.Api;

/// <summary>
/// The OpenAPI document at <c>/openapi/v1.json</c>: every <c>/api/v1</c> endpoint with the scope it needs (bearer
/// personal access tokens) and the ProblemDetails of its error responses.
/// </summary>
public static class ApiOpenApi
{
    public const string DocumentName = "v1";
    public const string SecuritySchemeName = "bearer";
    private const string ProblemSchema = "ProblemDetails";
    private const string ProblemContentType = "application/problem+json";

    public static IServiceCollection AddApiOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(DocumentName, o =>
        {
            o.ShouldInclude = d => d.RelativePath?.StartsWith("api/v1/", StringComparison.Ordinal) == true;
            o.AddDocumentTransformer(DescribeDocumentAsync);
            o.AddOperationTransformer(DescribeOperationAsync);
        });

    /// <summary>The scope an endpoint requires: <c>scope:x</c> policies and the admin policy; null for anonymous ones.</summary>
    public static string? RequiredScope(IEnumerable<object> metadata)
    {
        var items = metadata.ToList();
        if (items.OfType<IAllowAnonymous>().Any())
        {
            return null;
        }
        var policies = items.OfType<IAuthorizeData>().Select(a => a.Policy).Where(p => p is not null).ToList();
        if (policies.Contains(AccountsServiceCollectionExtensions.AdminPolicy))
        {
            return ApiScopes.Admin;
        }
        return ApiScopes.All.LastOrDefault(s => policies.Contains(ApiAuthorization.PolicyFor(s))) ?? ApiScopes.Read;
    }

    private static Task DescribeDocumentAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "LabelLoop API",
            Version = "v1",
            Description =
                "Active-learning labeling over HTTP. Authenticate with a personal access token: `Authorization: Bearer llpat_...` " +
                "(create one on /admin/tokens, with POST /api/v1/tokens, or `labelloop tokens create`). Scopes are ordered, each " +
                "granting the ones before it: read < label < write < admin. Lists are paged with `limit` and the opaque `cursor` " +
                "of the previous page's `nextCursor`. Errors are RFC 9457 problem details. Requests are rate limited per token " +
                "(429 with Retry-After).",
        };
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[SecuritySchemeName] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "llpat",
            Description = "A personal access token. The requirement on each operation names the scope it needs.",
        };
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        if (!document.Components.Schemas.ContainsKey(ProblemSchema))
        {
            document.Components.Schemas[ProblemSchema] = ProblemDetailsSchema();
        }
        return Task.CompletedTask;
    }

    private static Task DescribeOperationAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var scope = RequiredScope(context.Description.ActionDescriptor.EndpointMetadata);
        operation.Responses ??= [];
        if (scope is not null)
        {
            operation.Security ??= [];
            operation.Security.Add(new OpenApiSecurityRequirement
            {
                [new OpenApiSecuritySchemeReference(SecuritySchemeName, context.Document)] = [scope],
            });
            operation.Description = string.IsNullOrEmpty(operation.Description)
                ? $"Requires the `{scope}` scope."
                : $"{operation.Description}\n\nRequires the `{scope}` scope.";
            operation.Extensions ??= new Dictionary<string, IOpenApiExtension>();
            operation.Extensions["x-labelloop-scope"] = new JsonNodeExtension(JsonValue.Create(scope));
            AddProblem(operation, context, StatusCodes.Status401Unauthorized, "No token, or an unknown, expired or revoked one.");
            AddProblem(operation, context, StatusCodes.Status403Forbidden, "The token lacks the scope, or the account the role or project membership.");
        }
        AddProblem(operation, context, StatusCodes.Status400BadRequest, "Invalid input: the field errors are in `errors`.");
        if (context.Description.RelativePath?.Contains('{', StringComparison.Ordinal) == true)
        {
            AddProblem(operation, context, StatusCodes.Status404NotFound, "The resource does not exist.");
        }
        AddProblem(operation, context, StatusCodes.Status429TooManyRequests, "The caller's request budget is spent; retry after Retry-After seconds.");
        if (operation.Responses.TryGetValue("429", out var tooMany) && tooMany is OpenApiResponse response)
        {
            response.Headers ??= new Dictionary<string, IOpenApiHeader>();
            response.Headers["Retry-After"] = new OpenApiHeader
            {
                Description = "Seconds to wait before the next request.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.Integer },
            };
        }
        return Task.CompletedTask;
    }

    private static void AddProblem(OpenApiOperation operation, OpenApiOperationTransformerContext context, int status, string description)
    {
        var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (operation.Responses!.ContainsKey(key))
        {
            return;
        }
        operation.Responses[key] = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                [ProblemContentType] = new() { Schema = new OpenApiSchemaReference(ProblemSchema, context.Document) },
            },
        };
    }

    private static OpenApiSchema ProblemDetailsSchema() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "RFC 9457 problem details.",
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["type"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
            ["title"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
            ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer | JsonSchemaType.Null, Format = "int32" },
            ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
            ["instance"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
        },
    };
}
