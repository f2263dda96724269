namespace LabelLoop.Web.Components.Pages.Admin;

/// <summary>What the add-user dialog asks for.</summary>
public sealed record NewUser(string Email, string Password, string Role);
