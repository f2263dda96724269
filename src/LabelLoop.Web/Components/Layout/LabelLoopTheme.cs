using MudBlazor;

namespace LabelLoop.Web.Components.Layout;

/// <summary>The one theme of the app, with its light and dark palettes.</summary>
public static class LabelLoopTheme
{
    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#3559c7",
            Secondary = "#7b4fb8",
            AppbarBackground = "#1f2937",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#7d9cf5",
            Secondary = "#b48ce8",
            AppbarBackground = "#111827",
        },
    };
}
