using LabelLoop.Core;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace LabelLoop.Web;

/// <summary>
/// Maps domain exceptions to HTTP: not found 404, access denied 403, validation 400 with the field errors,
/// conflict 409, a request the binder could not read 400 (or 415) with the field and what was wrong with it,
/// anything else 500. API callers get ProblemDetails; pages get the status page.
/// </summary>
public sealed class LabelLoopExceptionHandler(IProblemDetailsService problemDetails, ILogger<LabelLoopExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title) = exception switch
        {
            NotFoundException => (StatusCodes.Status404NotFound, "Not found"),
            AccessDeniedException => (StatusCodes.Status403Forbidden, "Forbidden"),
            DomainValidationException => (StatusCodes.Status400BadRequest, "Invalid input"),
            ConflictException => (StatusCodes.Status409Conflict, "Conflict"),
            BadHttpRequestException bad => (bad.StatusCode, "Invalid input"),
            _ => (StatusCodes.Status500InternalServerError, "Unexpected error"),
        };
        if (status == StatusCodes.Status500InternalServerError)
        {
            logger.LogError(exception, "Unhandled exception for {Path}", httpContext.Request.Path);
        }
        httpContext.Response.StatusCode = status;
        ProblemDetails details = exception switch
        {
            DomainValidationException validation =>
                new ValidationProblemDetails(validation.Errors.ToDictionary(e => e.Key, e => e.Value)) { Title = title, Status = status, Detail = validation.Message },
            BadHttpRequestException bad => BadRequest(httpContext, bad),
            _ => new ProblemDetails { Title = title, Status = status, Detail = status == 500 ? null : exception.Message },
        };
        details.Type = $"urn:labelloop:problem:{status}";
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = details,
            Exception = exception,
        });
    }

    private static ValidationProblemDetails BadRequest(HttpContext httpContext, BadHttpRequestException bad)
    {
        var (detail, errors) = Input.BadRequestProblems.Describe(httpContext, bad);
        return new ValidationProblemDetails(errors) { Title = "Invalid input", Status = bad.StatusCode, Detail = detail };
    }
}
