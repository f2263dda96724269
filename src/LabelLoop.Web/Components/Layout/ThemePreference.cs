namespace LabelLoop.Web.Components.Layout;

/// <summary>
/// The light or dark theme the user chose, kept in a cookie (<c>labelloop.theme</c>: <c>light</c> or <c>dark</c>) so
/// the server renders the first paint in it; <see cref="DarkMode"/> is null when the user never chose (light).
/// The cookie is written in the browser by <c>js/theme.js</c> when the user flips the switch in the app bar.
/// </summary>
public sealed record ThemePreference(bool? DarkMode)
{
    public const string CookieName = "labelloop.theme";

    public static bool? Read(HttpRequest request) => request.Cookies[CookieName] switch
    {
        "dark" => true,
        "light" => false,
        _ => null,
    };
}
