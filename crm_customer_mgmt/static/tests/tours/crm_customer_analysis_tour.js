import { registry } from "@web/core/registry";

const CUSTOMER = "Tour Analysis Trading";

function openAnalysisMenu(xmlid) {
    const menu = `[data-menu-xmlid='crm_customer_mgmt.${xmlid}']`;
    const analysis = "[data-menu-xmlid='crm_customer_mgmt.menu_crm_customer_mgmt_analysis']";
    return [
        {
            content: "unfold Analysis, itself under More on a narrow navbar",
            trigger: ".o_menu_sections",
            run() {
                const section = document.querySelector(`.o_menu_sections ${analysis}`);
                if (section?.checkVisibility()) {
                    section.click();
                } else {
                    document.querySelector(".o_menu_sections_more button")?.click();
                }
            },
        },
        { content: `open ${xmlid}`, trigger: menu, run: "click" },
    ];
}

registry.category("web_tour.tours").add("crm_customer_analysis_tour", {
    steps: () => [
        { content: "the customer's card is open", trigger: `.o_breadcrumb:contains(${CUSTOMER})` },
        { content: "open the Value tab", trigger: "a.nav-link:contains(Value)", run: "click" },
        {
            content: "the lifetime value is explained part by part",
            trigger: ".o_field_widget[name='customer_lifetime_value_explanation']:contains(Lifetime value:)",
        },
        {
            content: "the margin of the last 12 months is shown",
            trigger: ".o_field_widget[name='customer_margin']:contains(400.00)",
        },
        {
            content: "the purchase history suggests a repeat customer",
            trigger: ".o_field_widget[name='suggested_customer_type']:contains(Loyal)",
        },
        {
            content: "apply the suggested type",
            trigger: "button[name='action_apply_suggested_type']",
            run: "click",
        },
        {
            content: "the apply button goes once the types agree",
            trigger: ".o_form_view:not(:has(button[name='action_apply_suggested_type']))",
        },
        ...openAnalysisMenu("menu_crm_customer_mgmt_customer_value"),
        {
            content: "the customer value pivot shows the pyramid's tiers",
            trigger: ".o_pivot .o_pivot_header_cell_closed:contains(VIP)",
        },
        {
            content: "its measures include the lifetime value",
            trigger: ".o_pivot th:contains(Lifetime Value)",
        },
        { content: "switch to the pyramid graph", trigger: ".o_switch_view.o_graph", run: "click" },
        { content: "the pyramid is drawn", trigger: ".o_graph_renderer canvas" },
        ...openAnalysisMenu("menu_crm_customer_mgmt_pareto"),
        { content: "the Pareto curves are drawn", trigger: ".o_graph_renderer canvas" },
        { content: "look at the figures", trigger: ".o_switch_view.o_pivot", run: "click" },
        {
            content: "revenue and profit side by side",
            trigger: ".o_pivot th:contains(Revenue) ~ th:contains(Profit), .o_pivot:has(th:contains(Revenue)):has(th:contains(Profit))",
        },
        ...openAnalysisMenu("menu_crm_customer_mgmt_churn"),
        {
            content: "the churn pivot shows the churn rate by month",
            trigger: ".o_pivot th:contains(Churn Rate (%))",
        },
        { content: "switch to the churn rate over time", trigger: ".o_switch_view.o_graph", run: "click" },
        { content: "the churn curve is drawn", trigger: ".o_graph_renderer canvas" },
        ...openAnalysisMenu("menu_crm_customer_mgmt_partial_churn"),
        {
            content: "the partial churn list opens",
            trigger: ".o_list_view, .o_view_nocontent",
        },
    ],
});
