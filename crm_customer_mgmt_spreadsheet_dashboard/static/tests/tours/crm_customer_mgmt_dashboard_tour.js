import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

const DASHBOARD = "li.o_search_panel_category_value[data-name='Customer Management']";
const CHARTS = ".o-figure canvas.o-figure-canvas:not(.o-scorecard)";

/** The spreadsheet model of the open dashboard, once loaded. */
function dashboardModel() {
    const loader = odoo.__WOWL_DEBUG__.root.env.services.spreadsheet_dashboard_loader;
    return loader.getActiveDashboard()?.model;
}

/** Cells of every sheet that evaluate to an error, "Loading..." included. */
function errorCells(model) {
    return model.getters
        .getSheetIds()
        .flatMap((sheetId) => model.getters.getEvaluatedCells(sheetId))
        .filter((cell) => cell.type === "error");
}

/** The value of a cell of the Data sheet, e.g. (1, 1) for B2. */
function dataValue(model, col, row) {
    const sheetId = model.getters.getSheetIdByName("Data");
    return model.getters.getEvaluatedCell({ sheetId, col, row }).value;
}

/** Chart.js charts of the dashboard that have drawn a value above zero. */
function chartsWithValues() {
    return [...document.querySelectorAll(CHARTS)].filter((canvas) =>
        window.Chart?.getChart(canvas)?.data.datasets.some((dataset) =>
            dataset.data.some((value) => value > 0)
        )
    );
}

// A supervisor opens the Dashboards app, picks the customer dashboard in the Customers
// section and waits for its scorecards, its pivot cells and every chart to show values.
registry.category("web_tour.tours").add("crm_customer_mgmt_dashboard_tour", {
    steps: () => [
        ...stepUtils.goToAppSteps(
            "spreadsheet_dashboard.spreadsheet_dashboard_menu_root",
            "open the Dashboards app"
        ),
        {
            content: "the customer dashboard, in the Customers section",
            trigger: `.o_search_panel_section:has(header:contains(Customers)) ${DASHBOARD}`,
            run: "click",
        },
        { content: "it is the open dashboard", trigger: `${DASHBOARD}.active` },
        { content: "the customers scorecard", trigger: "canvas.o-scorecard[title='Customers']" },
        { content: "the VIP scorecard", trigger: "canvas.o-scorecard[title='VIP Customers']" },
        {
            content: "the open warnings scorecard",
            trigger: "canvas.o-scorecard[title='Open Warnings']",
        },
        {
            content: "the churn rate scorecard",
            trigger: "canvas.o-scorecard[title='Average Churn Rate']",
        },
        {
            content: "every cell evaluates, the scorecards count the test's customers",
            trigger: ".o-dashboard-clickable-cell[title='See records']",
            timeout: 30000,
            async run({ waitUntil }) {
                const model = dashboardModel();
                await waitUntil(
                    () =>
                        !errorCells(model).length &&
                        dataValue(model, 1, 1) >= 2 && // customers
                        dataValue(model, 1, 2) >= 1 && // VIP customers
                        dataValue(model, 1, 3) >= 1 && // open warnings
                        dataValue(model, 1, 4) > 0, // average churn rate
                    { timeout: 25000 }
                ).catch(() => {
                    const errors = errorCells(model).map((cell) => cell.message || cell.value);
                    throw new Error(`Cells in error or without values: ${errors.join("; ")}`);
                });
            },
        },
        {
            content: "every chart draws values",
            trigger: CHARTS,
            timeout: 30000,
            async run({ waitUntil }) {
                await waitUntil(
                    () =>
                        chartsWithValues().length === document.querySelectorAll(CHARTS).length,
                    { timeout: 25000 }
                );
            },
        },
        {
            content: "no loading error",
            trigger: ".o_spreadsheet_dashboard_action:not(:has(.dashboard-loading-status.error))",
        },
    ],
});
