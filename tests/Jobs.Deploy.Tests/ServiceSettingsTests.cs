namespace Jobs.Deploy.Tests;

/// <summary>The check on environment variable names knows the services' settings, and nothing else.</summary>
public sealed class ServiceSettingsTests
{
    [Theory]
    [InlineData("ConnectionStrings__Jobs")]
    [InlineData("RabbitMq__Host")]
    [InlineData("RabbitMq__Password")]
    [InlineData("Executor__Id")]
    [InlineData("Executor__DrainTimeout")]
    [InlineData("Executor__Labels__zone")]
    [InlineData("Executor__AllowedCommands__0")]
    [InlineData("Scheduler__ExecutorTimeout")]
    [InlineData("LogSink__Retention")]
    [InlineData("ReverseProxy__Clusters__jobapi__Destinations__jobapi1__Address")]
    [InlineData("ASPNETCORE_ENVIRONMENT")]
    [InlineData("Urls")]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT")]
    public void SettingAServiceReads_IsKnown(string name) => Assert.Null(ServiceSettings.WhyUnknown(name));

    [Theory]
    [InlineData("ConnectionStrings__Other")]
    [InlineData("RabbitMq__Hostname")]
    [InlineData("Executor__Bogus")]
    [InlineData("Executor__Slots__0")]
    [InlineData("Scheduler")]
    [InlineData("Database__Host")]
    [InlineData("OTEL_SERVICE_NAME")]
    public void SettingNoServiceReads_IsUnknown(string name) => Assert.NotNull(ServiceSettings.WhyUnknown(name));
}
