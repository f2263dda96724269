using LabelLoop.Core;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace LabelLoop.Web;

/// <summary>
/// Maps domain exceptions to HTTP: not found 404, access denied 403, validation 400 with the field errors,
/// conflict 409, anything else 500. API callers get ProblemDetails; pages get the status page.
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
            BadHttpRequestException bad => (bad.StatusCode, "Bad request"),
            _ => (StatusCodes.Status500InternalServerError, "Unexpected error"),
        };
        if (status == StatusCodes.Status500InternalServerError)
        {
            logger.LogError(exception, "Unhandled exception for {Path}", httpContext.Request.Path);
        }
        httpContext.Response.StatusCode = status;
        var details = exception is DomainValidationException validation
            ? new ValidationProblemDetails(validation.Errors.ToDictionary(e => e.Key, e => e.Value)) { Title = title, Status = status }
            : new ProblemDetails { Title = title, Status = status, Detail = status == 500 ? null : exception.Message };
        details.Type = $"urn:labelloop:problem:{status}";
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = details,
            Exception = exception,
        });
    }
}
