using Xunit;

namespace LabelLoop.Jobs.Tests;

internal static class Wait
{
    /// <summary>Polls <paramref name="condition"/> every 50 ms until it holds; throws after <paramref name="seconds"/>.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, int seconds = 20, string? what = null)
    {
        var start = Environment.TickCount64;
        while (!await condition())
        {
            if (Environment.TickCount64 - start > seconds * 1000L)
            {
                throw new TimeoutException($"{what ?? "Condition"} not met within {seconds} s.");
            }
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }
}
