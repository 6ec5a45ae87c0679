"""Regenerate the bundled demo site (seeds/demo/site/rev1 and rev2) and check it.

    python seeds/demo/build_site.py          # rewrite site/ and run the checks
    python seeds/demo/build_site.py --check  # only run the checks on what is on disk

The site is static; this script only exists so that the chrome of the three invented
outlets stays consistent and so that rev2 differs from rev1 exactly where README.md says.
All article text below was written for this demo. Absolute URLs use BASE; the demo server
(or the demo command) swaps BASE for the real address at run time.

rev2/ holds only the files whose bytes differ from rev1/ (the server looks a path up in
rev2 first, then rev1).
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

BASE = "http://127.0.0.1:8765"
HERE = Path(__file__).resolve().parent
SITE = HERE / "site"

def esc(s: str) -> str:
    """Escape element text (apostrophes stay readable)."""
    return html.escape(s, quote=False)


def attr(s: str) -> str:
    """Escape a double-quoted attribute value."""
    return esc(s).replace('"', "&quot;")


# --------------------------------------------------------------------------- articles


@dataclass
class Article:
    key: str  # short id used in README.md (PP1, SH2, ...)
    outlet: str  # pujiang-post | shenhai-keji | delta-wire
    path: str  # site path, starting with /
    lang: str  # en | zh-CN
    title: str
    author: str
    published: str  # ISO 8601 with +08:00
    section: str
    dateline: str  # the icon / dateline junk line
    caption: str  # photo caption junk line ("... /VCG")
    paras: list[str]  # article body, spam lines included, in order
    related: list[tuple[str, str]]
    encoding: str = "utf-8"
    byline: str = ""
    footnote: str = ""  # e.g. editor line or syndication credit
    rev2: dict | None = None  # overrides for revision 2; None = identical in rev2
    in_rev1: bool = True
    robots_meta: str = ""
    extra: dict = field(default_factory=dict)

    def at(self, rev: int) -> dict:
        """The article's fields as they stand in revision `rev`."""
        d = {
            "title": self.title,
            "dateline": self.dateline,
            "paras": self.paras,
            "modified": None,
            "update_note": "",
            "loose": False,
        }
        if rev == 2 and self.rev2:
            d.update(self.rev2)
        return d


PP = "/pujiang-post"
SH = "/shenhai-keji"
DW = "/delta-wire"

PP1_PARAS_R1 = [
    "Shanghai is now home to over 1,200 AI companies, the municipal commission of economy and "
    "informatization said on Monday, as the city tries to turn the research coming out of its "
    "universities and corporate labs into products that customers will pay for.",
    "The count has roughly doubled in five years. Officials credit cheaper access to computing "
    "power, a steady supply of graduates from Fudan, Shanghai Jiao Tong and Tongji universities, "
    "and a cluster of model developers that has grown up along the West Bund waterfront in "
    "Xuhui district.",
    "爱上海同城419 The West Bund cluster now houses 15 foreign-funded research centres next to "
    "its domestic labs, and the district government says 34 generative AI models built there "
    "have been cleared for public release under national rules.",
    "Revenue is following the head count. Shanghai's core AI industry brought in 450 billion "
    "yuan last year, placing the city 2nd among Chinese cities behind Beijing, according to the "
    "commission's annual review. The total leaves out hardware suppliers that only sell sensors "
    "or servers to AI firms.",
    "The start-up pipeline runs deep as well. Shanghai counts 43 unicorns, as privately held "
    "start-ups with billion-dollar valuations are known, and about a third of them work on AI, "
    "chips or robotics.",
    "上海龙凤419",
    "A 10 billion yuan municipal fund set up in 2024 backs early-stage model and chip companies, "
    "and the commission said a second public computing centre would open in Lingang before the "
    "end of the year. Start-ups now wait under 48 hours for GPU time on the existing platform, "
    "down from more than a week when it opened.",
    "For most companies the pressing problem is still chips. Several founders said they had "
    "rewritten their training code to run on domestic accelerators after supplies of foreign "
    "graphics processors dried up, a switch that cost them months of engineering time.",
    "Not everyone thinks the headline number tells the whole story. Analysts at a Lujiazui "
    "brokerage pointed out that many of the firms counted as AI companies are small integrators "
    "that resell other developers' models, and that fewer than 100 train foundation models of "
    "their own.",
    "Industry groups are pressing for faster approval of data sharing across the Yangtze River "
    "Delta. A pilot that lets firms in Shanghai, Suzhou and Hangzhou exchange anonymised medical "
    "and traffic records is due to be widened this year, the commission said, though it gave no "
    "timetable.",
]
PP1_PARAS_R2 = list(PP1_PARAS_R1)
PP1_PARAS_R2[0] = PP1_PARAS_R1[0].replace("over 1,200 AI companies", "over 1,500 AI companies")
assert PP1_PARAS_R2[0] != PP1_PARAS_R1[0]

PP2_PARAS = [
    "The circular hall of the Shanghai Synchrotron Radiation Facility in Zhangjiang has hosted "
    "more than 20,000 experimental projects since it opened in 2009, and the people who run it "
    "say the queue for beam time has never been longer.",
    "Nearly half of the facility's users now come from universities and companies elsewhere in "
    "the Yangtze River Delta, the region that joins Shanghai with Jiangsu, Zhejiang and Anhui "
    "provinces. A decade ago most proposals came from Shanghai itself or from national "
    "institutes in Beijing.",
    "The machine speeds electrons up to almost the speed of light and steers them around a "
    "storage ring, producing X-rays bright enough to map the atoms in proteins, battery "
    "electrodes and the thin films used in chips. It now runs close to 40 beamlines, each "
    "fitted out for a different kind of experiment.",
    "夜上海论坛 Sharing has become a policy goal in its own right. On a platform set up by the "
    "delta's four provincial-level governments, laboratories have listed 56,000 pieces of "
    "scientific equipment that outside researchers can book, from electron microscopes to wind "
    "tunnels.",
    "Officials cite global rankings as proof that the approach works. In the World Intellectual "
    "Property Organization's Global Innovation Index 2025, the Shanghai-Suzhou cluster was "
    "placed 6th among science and technology clusters worldwide, with Hangzhou 13th, Nanjing "
    "15th and Hefei 39th.",
    "Drug developers are among the heaviest users. A team from a Zhangjiang biotech company "
    "said one session of about 8 hours on a protein crystallography beamline could replace "
    "weeks of work on conventional equipment, shortening the earliest stage of drug design.",
    "Battery makers in Changzhou and Ningbo have become regular visitors as well, using the "
    "X-rays to watch electrode materials crack and swell while a cell is charged and "
    "discharged, something that cannot be seen once the cell has been taken apart.",
    "Demand still runs ahead of supply. Researchers from smaller universities say they often "
    "have to apply several times before winning a slot, which is why many now team up with "
    "larger groups in Shanghai or Hefei and submit joint proposals.",
    "The facility also links 200 universities around the world with 600 companies through "
    "joint user programmes, its managers said, although most proposals still come from inside "
    "China.",
    "The operators plan to add beamlines and lengthen opening hours, but say the bigger change "
    "is organisational: a booking system that scores proposals from all four provincial-level "
    "regions on the same terms instead of giving Shanghai institutions first call.",
]

PP3_PARAS = [
    "When US export controls tightened in 2023, Shanghai's chip industry had to choose between "
    "waiting for the rules to ease and building around them. The city has since made its choice "
    "plain.",
    "SMIC, the country's largest contract chipmaker, has developed 5nm chips at its Pudong "
    "facilities without access to the most advanced lithography tools, people familiar with "
    "the programme said. The company needed about 18 months to take the process from pilot "
    "runs to small-volume output.",
    "Its newest plant in Lingang turns out 80,000 wafers a month, and local officials say "
    "Shanghai now accounts for 42% of China's advanced chip output, up from 18% in 2020.",
    "Much of the work happens out of sight. Equipment engineers in Lingang spend months "
    "adapting older machines to jobs they were not designed for, repeating exposures and "
    "tuning chemistry to coax finer features out of tools that foreign suppliers are still "
    "allowed to sell.",
    "上海贵族宝贝sh1314",
    "The city is leaning on three measures to keep that momentum going:",
    "1. A tax deduction worth 50% of qualifying research spending for chip design houses.",
    "2. Shared cleanrooms in Zhangjiang that start-ups can rent by the day instead of building "
    "their own.",
    "3. A fast-track visa route for foreign engineers and researchers.",
    "The last of these is paying off, officials say. The Global Talent Bridge scheme has "
    "brought 28,000 foreign experts to Shanghai, according to the municipal science and "
    "technology commission, with the largest groups coming from South Korea, Germany and "
    "Singapore.",
    "Executives say the foreign hires matter most in equipment and materials, where local "
    "experience is thin. A Lingang toolmaker said nearly a quarter of its process engineers had "
    "previously worked for overseas suppliers.",
    "Smaller designers benefit from the shared facilities. Start-ups that once sent their "
    "first chips to foundries abroad can now book test runs in the city, although several "
    "complained that priority still goes to the largest customers.",
    "Investors appear convinced. Shanghai-based companies accounted for 38% of China's "
    "technology IPOs in 2024, against 22% for Shenzhen, a sign that the city is still seen as "
    "the safest place in the country to back hardware.",
    "Risks remain. Yields on the most advanced lines trail those of rivals in Taiwan and South "
    "Korea by a wide margin, analysts say, and every new round of restrictions sends engineers "
    "back to redesign processes around the tools they can still buy.",
]

PP4_PARAS = [
    "A header from substitute defender Iker Salcedo in the 88th minute gave Unión Chamberí a "
    "2-1 win over Atlético Tetuán on Sunday night, settling a Madrid derby played for long "
    "stretches in driving rain.",
    "The visitors had taken the lead after 23 minutes when winger Marcos Pardo cut inside from "
    "the left and curled a shot into the far corner, the kind of finish that has made him the "
    "most talked-about young player in the division this season.",
    "Chamberí, who had lost their previous three league games, looked nervous until the break. "
    "Their coach, Ana Belmonte, switched to a back three at half-time and pushed her full-backs "
    "higher, and the change gave the home side control of the midfield.",
    "The equaliser came just after the hour. Captain Rubén Oliva met a low cross at the near "
    "post and steered it past goalkeeper Dani Ferrer, who had kept Tetuán in the game with two "
    "diving saves in the first half.",
    "With the pitch turning heavy and both sides tiring, a draw looked the likeliest outcome "
    "until Salcedo, on the field for barely ten minutes, rose above two markers to meet a "
    "corner from Oliva.",
    "A crowd of 18,500 stayed to the final whistle despite the weather, and the home fans sang "
    "for several minutes after it. Belmonte said afterwards that her players had shown they "
    "could suffer for 90 minutes and still find a way to win.",
    "The result lifts Chamberí to fifth in the table, two points off the promotion places, "
    "while Tetuán drop to eighth. The two clubs meet again in the regional cup in April.",
    "Oliva, who turns thirty-four next month, was named man of the match. He has now scored in "
    "each of his last four derbies, and he said the goal belonged to the supporters who had "
    "stood in the rain all evening.",
    "The away end, full hours before kick-off, emptied quietly. Tetuán have won just one of "
    "their last six matches, and the mood among their travelling fans suggested that patience "
    "with the coaching staff is wearing thin.",
    "Tetuán's coach, Jorge Vidal, refused to blame the conditions. He said his team had stopped "
    "passing the ball after the equaliser and had been punished for it, and that he would be "
    "looking for a reaction in training this week.",
]

KF_PARAS_R1 = [
    "Every quarter the Pujiang Post data desk gathers the numbers most often quoted about "
    "Shanghai's technology economy, checks them against official releases and notes where the "
    "sources part ways. This edition covers the full year to December.",
    "Venture money: investors put $87 billion into Shanghai-based companies in 2025, according "
    "to the desk's tally of disclosed deals. The total includes yuan-denominated funds, "
    "converted at the average exchange rate for the year.",
    "Investors on the ground: the city hosts 1,700+ venture capital and private equity firms, "
    "more than any other Chinese city except Beijing, and most of them keep their main office "
    "in Lujiazui or along the West Bund.",
    "New companies: an average of 320 new technology start-ups were registered in Shanghai "
    "every day, based on business registration data published by the market regulator.",
    "Research spending: Shanghai spent the equivalent of 4.4% of its GDP on research and "
    "development, well above the national average of 2.7%, with business accounting for most "
    "of the outlay.",
    "People: more than 800,000 specialists work in the three industries the city treats as its "
    "priorities, namely integrated circuits, biomedicine and artificial intelligence.",
    "Patents: the city's intellectual property office counted 56 high-value invention patents "
    "per 10,000 residents, one of the highest ratios on the Chinese mainland.",
    "Why these numbers: they are the ones that turn up most often in government speeches, "
    "company presentations and foreign coverage of the city, and also the ones most often "
    "quoted without a date or a source. We give each the period it covers.",
    "What is missing: the desk does not publish its own estimates of the size of the AI "
    "industry or a count of unicorn companies, because published definitions differ too much "
    "from one source to the next. Our reporters cover those figures in their stories, with "
    "the source named.",
    "How we count: the desk uses only figures that an official body or a listed company has "
    "published, and it says so when a number has been revised. Readers who spot a figure that "
    "looks out of date can write to the data desk through the contact page.",
    "Sources: the figures come from the municipal statistics bureau, the science and technology "
    "commission, the market regulator and the intellectual property office, plus the desk's own "
    "deal database, which is checked by hand against company announcements.",
]
KF_PARAS_R2 = list(KF_PARAS_R1)
KF_PARAS_R2[1] = KF_PARAS_R1[1].replace("$87 billion", "$91 billion")
assert KF_PARAS_R2[1] != KF_PARAS_R1[1]

SH1_PARAS = [
    "记者从市科学技术委员会获悉，截至2025年底，上海共有43家独角兽企业，其中超过一半集中在集成电路、"
    "生物医药和人工智能等硬科技领域。",
    "这些企业的估值合计约2600亿美元。业内人士认为，与几年前以消费互联网平台为主的格局相比，如今上海"
    "独角兽的构成明显“变硬”：不少企业拥有自主设计的芯片、自研算法或原创新药管线，研发投入占营收的比重"
    "普遍较高。",
    "在张江一家研发手术机器人的独角兽企业，记者看到，研发团队正与临床医生一起在模拟手术室里反复调试设备。"
    "企业负责人说，从实验室原型到拿到产品注册证，公司走过了漫长的验证过程，本地医院愿意开放临床资源，"
    "是他们选择把总部留在上海的重要原因。",
    "从城市排名看，上海独角兽企业数量在全国位列第三。有投资人指出，这一名次多年来变化不大，真正变化的是"
    "企业的行业分布和成长路径：过去靠补贴和流量快速扩张的模式，正在让位于依靠技术壁垒的长期积累。",
    "上海龙凤419 资本端同样活跃。2025年，全市新认定科技型中小企业1.5万家，种子轮和天使轮项目平均单笔"
    "融资额约3200万元。多家投资机构表示，早期项目的估值已经从前两年的高点回落，投资人更看重团队能否拿"
    "出可验证的样机和订单。",
    "政策层面，上海正在把支持重点从“给资金”转向“给场景”。量子科技、6G通信和细胞治疗等未来产业被列"
    "为重点方向，医院、港口和电网等单位被要求向初创企业开放更多真实应用场景，帮助新技术尽早进入市场检验。",
    "爱上海同城419",
    "复旦大学一位长期研究创新政策的教授表示，独角兽数量只是观察创新生态的一个侧面，更值得关注的是企业"
    "能否跨过规模化量产这道坎。他建议在长三角范围内统筹中试平台和应用场景，让企业在90天内完成从样机"
    "到小批量试产的对接。",
    "根据相关规划，到2027年，全市将建设20个左右的概念验证中心，并在张江、临港、漕河泾等园区布局一批"
    "专业孵化器，为处于早期阶段的硬科技项目提供从技术验证到首批订单的全流程服务。",
]

SH2_PARAS = [
    "从上海松江出发，沿G60高速公路向西南延伸，G60科创走廊如今串联起上海松江、嘉兴、杭州、金华、苏州、"
    "湖州、宣城、芜湖、合肥九个城市。记者近日从走廊联席会议办公室了解到，九城高新技术企业数量已占全国的"
    "七分之一。",
    "资本市场是观察走廊活力的另一个窗口。截至2025年底，九城共有科创板上市企业超过120家，占全国科创板"
    "上市企业总数的20%以上，集成电路、生物医药和高端装备企业占了其中的大多数。",
    "上海贵族宝贝sh1314 研发投入方面，九城全社会研发经费合计超过3200亿元，研发投入强度平均达到3.6%，"
    "高于全国平均水平。多位受访企业负责人表示，跨城设立研发中心已经成为走廊内企业的普遍做法。",
    "制度协同带来的便利正在显现。走廊推行跨城通办后，企业在九城之间迁移登记的手续，从过去的一个月左右"
    "压缩到5个工作日以内，科研人员的职称和资质也可以在九城之间互认。",
    "在集成电路、人工智能、生物医药、新能源汽车等领域，走廊已经组建14个产业联盟，成员企业超过6000家。"
    "联盟内的龙头企业牵头发布技术需求，中小企业和高校院所“揭榜”攻关。",
    "在嘉兴的一家传感器企业，负责人告诉记者，公司的研发团队设在松江，生产基地放在嘉兴，主要客户则集中在"
    "杭州和苏州。“以前跨城办事要来回跑好几趟，现在很多手续在网上就能办完。”他说，走廊内完善的供应链"
    "配套，让企业可以把更多精力放在产品本身。",
    "夜上海论坛",
    "在近期发布的一项区域创新能力评估中，G60科创走廊在全国同类科创廊道中位列第三。评估报告认为，走廊的"
    "优势在于产业链条完整、城市之间分工明确，短板则是原始创新能力和国际化人才储备仍显不足。",
    "交通网络也在拉近九城之间的距离。随着沪苏湖高铁开通，松江到湖州最快只需约40分钟，九城之间“一小时"
    "科创圈”的雏形逐渐显现。联席会议办公室负责人表示，下一步将推动九城共建共享大型科研仪器和中试基地，"
    "并探索跨区域的科技成果转化收益分配机制。",
]

SH3_PARAS_R1 = [
    "记者从市经济和信息化委员会获悉，2025年上海集成电路产业规模达到2850亿元，同比增长12.5%，约占全国"
    "集成电路产业规模的四分之一。",
    "设计业仍是上海集成电路产业中占比最大的环节。目前，全市已有超过600家芯片设计企业，产品覆盖处理器、"
    "存储、模拟和射频等主要品类。",
    "制造环节，中芯国际、华虹集团等企业在临港和张江的新产线陆续投产。临港新片区集成电路产业规模已突破"
    "1000亿元，落户企业超过300家，形成了从设计、制造到封装测试的完整链条。",
    "在临港的一座新建晶圆厂里，身着洁净服的工程师正在调试刚进场的设备。厂方介绍，这条产线从设备搬入到"
    "实现通线只用了不到一年，这样的速度在过去难以想象。",
    "封装测试环节同样在加快布局。多家企业正在建设面向人工智能芯片的先进封装产线，希望借助芯粒等技术路线，"
    "在制程受限的情况下提升芯片的整体性能。与此同时，无锡、合肥等地的封测和制造项目与上海的设计企业形成了"
    "紧密的上下游关系，“研发在上海、制造在周边”的布局越来越常见。",
    "爱上海同城419 装备和材料是近年来追赶最快的领域。本地产线对国产装备的采购比例已提高到35%左右，较"
    "五年前翻了一番，刻蚀、清洗和薄膜沉积等环节的国产设备已进入多条量产线。",
    "人才方面，全市集成电路从业人员约30万人，每年新增相关专业毕业生超过1.2万人。不过，多家企业反映，"
    "具备十年以上经验的工艺工程师依然紧缺，企业之间的人才竞争相当激烈。",
    "上海龙凤419",
    "政策层面，今年起上海对首次流片的企业给予最高30%的费用补贴，单个项目补贴上限为3000万元，并对购买"
    "国产EDA工具的中小设计企业给予专项支持。",
    "业内人士表示，在外部限制持续加码的背景下，上海集成电路产业需要在先进封装、特色工艺和EDA工具等"
    "环节加快补链，同时依托长三角的制造和市场优势，把更多实验室成果转化为稳定的量产能力。",
]
SH3_PARAS_R2 = list(SH3_PARAS_R1)
SH3_PARAS_R2[1] = (
    "设计业仍是上海集成电路产业中占比最大的环节，产品覆盖处理器、存储、模拟和射频等主要品类。"
)

DW1_PARAS = list(PP2_PARAS)
DW1_PARAS[0] = "SHANGHAI, March 1 (Delta Wire) — " + PP2_PARAS[0]
# a different spam line than the original, injected at a different place: same story, other chrome
DW1_PARAS[3] = PP2_PARAS[3].replace("夜上海论坛 ", "")
DW1_PARAS.insert(5, "爱上海同城419")

DW2_PARAS = [
    "SHANGHAI, March 3 (Delta Wire) — SMIC has reached 3nm chip production at a Shanghai plant "
    "despite export controls on advanced lithography equipment, two industry sources told Delta "
    "Wire, a claim the company declined to confirm.",
    "If accurate, the milestone would bring the Shanghai foundry within one generation of the "
    "world's leading manufacturers. Analysts cautioned that volumes are likely to be small and "
    "yields low, with each good die costing far more than at rival fabs.",
    "Engineers familiar with the work said the line relies on repeated patterning with older "
    "immersion tools, an approach that adds process steps and raises the chance of defects on "
    "every wafer. The company has said little in public about its most advanced processes "
    "since it was placed on a US trade blacklist.",
    "Delta Wire could not independently verify the claim, and SMIC did not respond to written "
    "questions sent to its Shanghai headquarters.",
    "The push is coordinated through the Yangtze Delta Semiconductor Alliance, which links 147 "
    "specialised factories across Jiangsu and Zhejiang with design houses in Shanghai. The "
    "alliance says the region has cut its reliance on imported chipmaking inputs from 80% to "
    "37% in five years.",
    "爱上海同城419",
    "People are the other half of the strategy. Shanghai has attracted 42,000 foreign experts "
    "under its Tech Pioneer Visa programme, the city's human resources bureau said in a "
    "statement, with semiconductor and biotech employers filing the most applications.",
    "上海龙凤419 Local universities feed the same pipeline. ShanghaiTech University said 78% of "
    "the doctoral graduates of its industry-embedded programme stayed in the region after "
    "graduating, many of them joining the corporate labs where they had done their research.",
    "Research output has risen alongside. Shanghai was placed 3rd among cities worldwide in the "
    "latest Nature Index tables of high-quality scientific papers, ahead of Boston and Kyoto.",
    "Officials say the next task is to close the gap in chipmaking tools. A municipal plan "
    "published in January aims to train 10,000 equipment engineers by 2030, roughly twice as "
    "many as work in the city's tool industry today.",
    "Foreign equipment makers still supply most of the machines on advanced lines in the delta, "
    "and analysts said any further tightening of export rules would hurt Shanghai more than "
    "other Chinese chip hubs because its fabs run the most advanced processes in the country.",
]

DW4_PARAS = [
    "HEFEI, March 5 (Delta Wire) — Researchers in Hefei and Shanghai have begun sending "
    "encrypted traffic over a 470 km quantum key distribution link, the newest section of a "
    "network meant to connect laboratories across the Yangtze River Delta.",
    "The link runs through relay stations in Nanjing and Suzhou and is being used first by "
    "banks and grid operators to exchange keys, the Hefei-based operator said. A 128-qubit "
    "superconducting processor at a Hefei laboratory will be reachable over the network for "
    "remote experiments from the second half of the year.",
    "Quantum key distribution uses single photons to share encryption keys, so that any attempt "
    "to intercept them disturbs the signal and can be detected. Critics say the hardware is "
    "costly and that new mathematical encryption methods could offer similar protection for "
    "far less money.",
    "Anhui's capital has spent a decade turning national laboratories into companies. "
    "Provincial officials say Hefei now hosts more than 80 quantum technology companies, most "
    "of them spun out of the University of Science and Technology of China.",
    "Executives at Hefei firms say the harder problem is customers rather than physics: banks "
    "and utilities want proof that the systems can run for years without specialist staff on "
    "site before they commit to large orders.",
    "Shanghai officials see the link as a test of how far the two cities can share research "
    "infrastructure. Hefei offers cheaper land and power for national laboratories, while "
    "Shanghai brings finance, hospitals and export markets.",
    "夜上海论坛",
    "Shanghai remains the region's main source of capital. The city counts 43 unicorn startups, "
    "according to its science and technology commission, and Shanghai venture firms have led "
    "most of the large funding rounds raised by Hefei quantum companies.",
    "Hefei's municipal government has also set up a 2 billion yuan quantum fund to invest in "
    "hardware and software start-ups, its managers said. They expect to make between 15 and "
    "20 investments over 5 years.",
    "上海贵族宝贝sh1314 Economists describe the delta as China's most tightly knit innovation "
    "economy. It generates nearly a quarter of the country's GDP on about 4% of its land, and "
    "its 60+ universities turn out about 1.5 million graduates a year.",
    "The links are physical as well. The fastest high-speed trains between Shanghai and Hefei "
    "now take under 2 hours, and planners of the 1+8 Innovation Corridor want to shorten the "
    "trip further by the end of the decade.",
]

PRIVATE_PARAS = [
    "EMBARGOED DRAFT - NOT FOR PUBLICATION. Shanghai now has 45 unicorns, according to a draft "
    "report seen by Delta Wire, and SMIC is preparing 2nm pilot production.",
    "This page is a staff preview. It is disallowed by robots.txt and must never be fetched by "
    "a polite crawler; if its figures show up in the change log, robots.txt was ignored.",
]

ARTICLES: list[Article] = [
    Article(
        key="PP1",
        outlet="pujiang-post",
        path=f"{PP}/tech/2026/03/shanghai-ai-sector-expands.html",
        lang="en",
        title="Shanghai's AI sector passes 1,200 companies as unicorn tally holds at 43",
        author="Helen Zhou",
        published="2026-03-02T08:15:00+08:00",
        section="Tech",
        dateline="⏱ 2026-03-02 08:15 🔖 上海龙凤419 📢0",
        caption="Visitors try out a humanoid robot at an exhibition hall on the West Bund in "
        "Xuhui district, Shanghai, March 1, 2026. /VCG",
        paras=PP1_PARAS_R1,
        related=[
            (f"{PP}/tech/2026/03/smic-5nm-talent-bridge.html", "Chips and talent under sanctions"),
            (f"{PP}/data/shanghai-tech-in-numbers.html", "Shanghai tech in numbers"),
            (f"{PP}/tech/2026/03/zhangjiang-light-source.html", "Queueing for beam time"),
        ],
        rev2={
            "title": "Shanghai's AI sector passes 1,500 companies as unicorn tally holds at 43",
            "paras": PP1_PARAS_R2,
            "modified": "2026-03-05T16:40:00+08:00",
            "update_note": "Updated March 5: this story has been revised to reflect new figures "
            "the commission published on Thursday, which raised its count of AI companies in "
            "the city.",
        },
    ),
    Article(
        key="PP2",
        outlet="pujiang-post",
        path=f"{PP}/tech/2026/03/zhangjiang-light-source.html",
        lang="en",
        title="Zhangjiang light source logs 20,000 experiments as Delta scientists queue for "
        "beam time",
        author="Martin Qian",
        published="2026-03-01T10:30:00+08:00",
        section="Tech",
        dateline="⏱ 2026-03-01 10:30 🔖 Science 📢0",
        caption="The ring-shaped hall of the Shanghai Synchrotron Radiation Facility in "
        "Zhangjiang, Pudong New Area, Shanghai, February 26, 2026. /VCG",
        paras=PP2_PARAS,
        related=[
            (f"{PP}/tech/2026/03/shanghai-ai-sector-expands.html", "Shanghai's AI sector grows"),
            (f"{PP}/tech/index.html", "More from Tech"),
        ],
    ),
    Article(
        key="PP3",
        outlet="pujiang-post",
        path=f"{PP}/tech/2026/03/smic-5nm-talent-bridge.html",
        lang="en",
        title="Chips and talent: how Shanghai is building a semiconductor base under sanctions",
        author="Daniel Xu",
        published="2026-03-03T09:00:00+08:00",
        section="Tech",
        dateline="⏱ 2026-03-03 09:00 🔖 爱上海龙凤419论坛 📢0",
        caption="An engineer checks a wafer carrier in a cleanroom in Lingang Special Area, "
        "Shanghai, February 24, 2026. /VCG",
        paras=PP3_PARAS,
        related=[
            (f"{PP}/tech/2026/03/shanghai-ai-sector-expands.html", "Shanghai's AI sector grows"),
            (f"{PP}/data/shanghai-tech-in-numbers.html", "Shanghai tech in numbers"),
        ],
    ),
    Article(
        key="PP4",
        outlet="pujiang-post",
        path=f"{PP}/sport/2026/03/madrid-derby-late-header.html",
        lang="en",
        title="Late header settles rain-soaked Madrid derby",
        author="Tom Reyes",
        published="2026-03-02T06:30:00+08:00",
        section="Sport",
        dateline="⏱ 2026-03-02 06:30 🔖 Football 📢0",
        caption="Players contest a high ball during the league match in Madrid, Spain, "
        "March 1, 2026. /VCG",
        paras=PP4_PARAS,
        related=[(f"{PP}/sport/index.html", "More from Sport")],
    ),
    Article(
        key="KF",
        outlet="pujiang-post",
        path=f"{PP}/data/shanghai-tech-in-numbers.html",
        lang="en",
        title="Shanghai tech in numbers: the figures behind the city's innovation drive",
        author="Pujiang Post Data Desk",
        published="2026-02-27T18:00:00+08:00",
        section="Data",
        dateline="⏱ 2026-02-27 18:00 🔖 Data 📢0",
        caption="Office towers in Lujiazui, Pudong New Area, Shanghai, February 20, 2026. /VCG",
        paras=KF_PARAS_R1,
        related=[
            (f"{PP}/tech/2026/03/shanghai-ai-sector-expands.html", "Shanghai's AI sector grows"),
            (f"{PP}/tech/2026/03/smic-5nm-talent-bridge.html", "Chips and talent under sanctions"),
        ],
        rev2={
            "paras": KF_PARAS_R2,
            "modified": "2026-03-05T18:00:00+08:00",
            "dateline": "⏱ 2026-03-05 18:00 🔖 Data 📢0",
            "update_note": "Updated March 5: the venture capital total for 2025 has been revised "
            "after late disclosures of fourth-quarter deals.",
        },
    ),
    Article(
        key="SH1",
        outlet="shenhai-keji",
        path=f"{SH}/news/2026/0302/shanghai-unicorns.html",
        lang="zh-CN",
        title="上海独角兽企业达43家 硬科技赛道占比过半",
        author="林晓雯",
        published="2026-03-02T08:15:00+08:00",
        section="要闻",
        dateline="⏱ 2026-03-02 08:15 🔖 夜上海论坛 📢0",
        caption="3月1日，参观者在张江科学城一家机器人企业的展厅内体验服务机器人。/VCG",
        paras=SH1_PARAS,
        footnote="（责任编辑：王敏）",
        related=[
            (f"{SH}/news/2026/0304/shanghai-ic-industry.html", "上海集成电路产业规模达2850亿元"),
            (f"{SH}/news/2026/0303/g60-corridor.html", "G60科创走廊九城协同"),
        ],
        # whitespace and dateline only: must NOT become a new version
        rev2={
            "dateline": "⏱ 2026-03-05 11:02 🔖 夜上海论坛 📢27",
            "loose": True,
        },
    ),
    Article(
        key="SH2",
        outlet="shenhai-keji",
        path=f"{SH}/news/2026/0303/g60-corridor.html",
        lang="zh-CN",
        title="G60科创走廊九城协同 高新技术企业数量占全国七分之一",
        author="周牧",
        published="2026-03-03T10:20:00+08:00",
        section="长三角",
        dateline="【时间】2026-03-03 10:20　【来源】申海科技报　【浏览】0",
        caption="3月2日拍摄的松江区G60科创云廊。/VCG",
        paras=SH2_PARAS,
        footnote="（责任编辑：刘思远）",
        encoding="gbk",
        related=[
            (f"{SH}/news/2026/0302/shanghai-unicorns.html", "上海独角兽企业达43家"),
            (f"{SH}/channel/yrd.html", "更多长三角新闻"),
        ],
    ),
    Article(
        key="SH3",
        outlet="shenhai-keji",
        path=f"{SH}/news/2026/0304/shanghai-ic-industry.html",
        lang="zh-CN",
        title="上海集成电路产业规模达2850亿元 临港新片区成新增长极",
        author="陈佳琪",
        published="2026-03-04T09:30:00+08:00",
        section="集成电路",
        dateline="⏱ 2026-03-04 09:30 🔖 集成电路 📢0",
        caption="临港新片区一家半导体企业的洁净车间。/VCG",
        paras=SH3_PARAS_R1,
        footnote="（责任编辑：王敏）",
        related=[
            (f"{SH}/news/2026/0302/shanghai-unicorns.html", "上海独角兽企业达43家"),
            (f"{SH}/channel/ic.html", "更多集成电路新闻"),
        ],
        rev2={
            "paras": SH3_PARAS_R2,
            "modified": "2026-03-06T14:00:00+08:00",
            "update_note": "（本文已于2026年3月6日更新，删除了一处未经核实的企业数量表述。）",
        },
    ),
    Article(
        key="DW1",
        outlet="delta-wire",
        path=f"{DW}/story/10231.html",
        lang="en",
        title="Shanghai light source passes 20,000 experiments; Delta users dominate",
        author="Martin Qian (Pujiang Post)",
        published="2026-03-01T13:05:00+08:00",
        section="Technology",
        dateline="⏱ 2026-03-01 13:05 🔖 Technology 📢0",
        caption="The Shanghai Synchrotron Radiation Facility in Zhangjiang, Shanghai, "
        "February 26, 2026. /VCG",
        paras=DW1_PARAS,
        byline="By Martin Qian, Pujiang Post",
        footnote="This story was first published by Pujiang Post and is republished under a "
        "content-sharing agreement.",
        related=[
            (f"{DW}/story/10244.html", "Shanghai claims 3nm chip milestone"),
            (f"{DW}/section/technology.html", "More technology news"),
        ],
    ),
    Article(
        key="DW2",
        outlet="delta-wire",
        path=f"{DW}/story/10244.html",
        lang="en",
        title="Shanghai claims 3nm chip milestone as foreign-expert drive reaches 42,000",
        author="Priya Natarajan",
        published="2026-03-03T15:45:00+08:00",
        section="Technology",
        dateline="⏱ 2026-03-03 15:45 🔖 Technology 📢0",
        caption="A wafer fab under construction in Lingang Special Area, Shanghai, "
        "March 2, 2026. /VCG",
        paras=DW2_PARAS,
        byline="Reporting by Priya Natarajan; editing by Owen Blake",
        related=[
            (f"{DW}/story/10231.html", "Shanghai light source passes 20,000 experiments"),
            (f"{DW}/section/technology.html", "More technology news"),
        ],
    ),
    Article(
        key="DW4",
        outlet="delta-wire",
        path=f"{DW}/story/10262.html",
        lang="en",
        title="Shanghai and Hefei switch on 470 km quantum link as Delta start-ups chase funding",
        author="Li Na",
        published="2026-03-05T11:20:00+08:00",
        section="Technology",
        dateline="⏱ 2026-03-05 11:20 🔖 Technology 📢0",
        caption="A technician inspects fibre equipment at a quantum communication relay "
        "station in Hefei, Anhui province, March 4, 2026. /VCG",
        paras=DW4_PARAS,
        byline="Reporting by Li Na; editing by Owen Blake",
        related=[
            (f"{DW}/story/10244.html", "Shanghai claims 3nm chip milestone"),
            (f"{DW}/story/archive.html", "Story archive"),
        ],
        in_rev1=False,
        rev2={},
    ),
    Article(
        key="PRIV",
        outlet="delta-wire",
        path=f"{DW}/private/story/10270.html",
        lang="en",
        title="EMBARGOED: Shanghai unicorn count draft",
        author="Delta Wire desk",
        published="2026-03-04T06:00:00+08:00",
        section="Technology",
        dateline="⏱ 2026-03-04 06:00 🔖 Embargoed 📢0",
        caption="No photo. /VCG",
        paras=PRIVATE_PARAS,
        related=[(f"{DW}/index.html", "Delta Wire home")],
        robots_meta="noindex, nofollow",
    ),
]
BY_KEY = {a.key: a for a in ARTICLES}


# --------------------------------------------------------------------------- chrome


def canonical(path: str) -> str:
    return BASE + path


def head_meta(a: Article, st: dict, charset_tag: str, css: str, site_name: str) -> str:
    lines = [
        charset_tag,
        f"<title>{esc(st['title'])} - {esc(site_name)}</title>",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="author" content="{attr(a.author)}">',
        f'<meta name="description" content="{attr(st["paras"][0][:150])}">',
        f'<meta property="og:site_name" content="{attr(site_name)}">',
        f'<meta property="og:title" content="{attr(st["title"])}">',
        '<meta property="og:type" content="article">',
        f'<meta property="og:url" content="{canonical(a.path)}">',
        f'<meta property="article:published_time" content="{a.published}">',
    ]
    if st["modified"]:
        lines.append(f'<meta property="article:modified_time" content="{st["modified"]}">')
    lines.append(f'<meta property="article:section" content="{attr(a.section)}">')
    if a.robots_meta:
        lines.append(f'<meta name="robots" content="{a.robots_meta}">')
    lines += [
        f'<link rel="canonical" href="{canonical(a.path)}">',
        f'<link rel="stylesheet" href="{css}">',
    ]
    return "\n".join(lines)


def body_paras(paras: list[str], loose: bool) -> str:
    if not loose:
        return "\n".join(f"<p>{esc(p)}</p>" for p in paras)
    # same text, different layout: indentation, blank lines, whitespace before </p>
    return "\n\n".join(f"        <p>\n          {esc(p)}\n        </p>" for p in paras)


def related_box(title: str, links: list[tuple[str, str]]) -> str:
    items = "\n".join(f'<li><a href="{h}">{esc(t)}</a></li>' for h, t in links)
    return f'<aside class="related">\n<h2>{esc(title)}</h2>\n<ul>\n{items}\n</ul>\n</aside>'


def render_pujiang(a: Article, st: dict) -> str:
    nav = [
        (f"{PP}/index.html", "Home"),
        (f"{PP}/tech/index.html", "Tech"),
        (f"{PP}/data/shanghai-tech-in-numbers.html", "Data"),
        (f"{PP}/sport/index.html", "Sport"),
        (f"{PP}/about.html", "About us"),
    ]
    nav_html = "\n".join(f'<li><a href="{h}">{t}</a></li>' for h, t in nav)
    note = f'<p class="update-note"><em>{esc(st["update_note"])}</em></p>\n' if st[
        "update_note"
    ] else ""
    pub = a.published[:10]
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
{head_meta(a, st, '<meta charset="utf-8">', f"{PP}/static/site.css", "Pujiang Post")}
</head>
<body class="article-page">
<div id="cookie-consent" class="cookie-banner">
<p>We use cookies to remember your settings and to measure how our pages are read. You can change your choice at any time in our <a href="{PP}/privacy.html">cookie policy</a>.</p>
<button type="button">Accept all</button> <button type="button">Only necessary</button>
</div>
<header class="masthead">
<a class="logo" href="{PP}/index.html">Pujiang Post</a>
<p class="tagline">Shanghai's city news in English</p>
<nav class="main-nav" aria-label="Main">
<ul>
{nav_html}
</ul>
</nav>
<a class="subscribe" href="{PP}/about.html#subscribe">Subscribe to the morning briefing</a>
</header>
<main>
<p class="breadcrumb"><a href="{PP}/index.html">Home</a> › <a href="{PP}/{a.section.lower()}/index.html">{esc(a.section)}</a></p>
<article>
<h1>{esc(st["title"])}</h1>
<p class="byline">By {esc(a.author)} | Published {pub}</p>
<p class="dateline">{esc(st["dateline"])}</p>
{note}<figure class="lead-photo"><img src="{PP}/static/photo.svg" alt="" width="640" height="360"></figure>
<p style="text-align: center">{esc(a.caption)}</p>
{body_paras(st["paras"], st["loose"])}
<p class="share">Share this story: WeChat | Weibo | Email</p>
</article>
{related_box("Related stories", a.related)}
</main>
<footer class="site-footer">
<div class="lang-switcher">
<p>CHOOSE YOUR LANGUAGE</p>
<ul>
<li><a href="{PP}/index.html" hreflang="en">English</a></li>
<li><a href="{PP}/zh/index.html" hreflang="zh">中文</a></li>
</ul>
</div>
<p><a href="{PP}/about.html">About us</a> | <a href="{PP}/about.html#contact">Contact</a> | <a href="{PP}/privacy.html">Privacy and cookies</a></p>
<p>Copyright © 2026 Pujiang Post. All rights reserved.</p>
<p>互联网新闻信息许可证31120170012</p>
<p>举报电话：021-63581234</p>
</footer>
</body>
</html>
"""


def render_shenhai(a: Article, st: dict) -> str:
    gbk = a.encoding == "gbk"
    charset_tag = (
        '<meta http-equiv="Content-Type" content="text/html; charset=gbk">'
        if gbk
        else '<meta charset="utf-8">'
    )
    copyright_sign = "" if gbk else "© "  # the copyright sign has no GBK code point
    nav = [
        (f"{SH}/index.html", "首页"),
        (f"{SH}/news/index.html", "要闻"),
        (f"{SH}/channel/yrd.html", "长三角"),
        (f"{SH}/channel/ic.html", "集成电路"),
        (f"{SH}/about.html", "关于我们"),
    ]
    nav_html = "\n".join(f'<li><a href="{h}">{t}</a></li>' for h, t in nav)
    note = f'<p class="update-note">{esc(st["update_note"])}</p>\n' if st["update_note"] else ""
    ind = "    " if st["loose"] else ""
    sep = "\n\n" if st["loose"] else "\n"
    article = sep.join(
        [
            f"{ind}<h1>{esc(st['title'])}</h1>",
            f'{ind}<p class="info">来源：申海科技报　作者：记者 {esc(a.author)}</p>',
            f'{ind}<p class="dateline">{esc(st["dateline"])}</p>',
            f"{ind}{note}" if note else "",
            f'{ind}<div class="pic"><img src="{SH}/static/photo.svg" alt=""></div>',
            f'{ind}<p style="text-align: center">{esc(a.caption)}</p>',
            body_paras(st["paras"], st["loose"]),
            f'{ind}<p class="editor">{esc(a.footnote)}</p>',
            f'{ind}<p class="share">分享到：微信　微博　QQ空间</p>',
        ]
    )
    article = re.sub(r"\n{3,}", "\n\n", article) if st["loose"] else article.replace("\n\n", "\n")
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
{head_meta(a, st, charset_tag, f"{SH}/static/style.css", "申海科技报")}
</head>
<body>
<div class="cookie-tip" id="cookieTip">本网站使用Cookie以改善浏览体验并统计访问量，继续浏览即表示您同意我们的<a href="{SH}/about.html#privacy">隐私政策</a>。<span class="btn">同意</span> <span class="btn">拒绝</span></div>
<div class="top-bar">申海科技报 SHENHAI TECH DAILY　|　<a href="{SH}/en/index.html">English</a></div>
<div class="header">
<a class="logo" href="{SH}/index.html">申海科技报</a>
<ul class="nav">
{nav_html}
</ul>
</div>
<div class="position">当前位置：<a href="{SH}/index.html">首页</a> &gt; <a href="{SH}/news/index.html">要闻</a> &gt; 正文</div>
<div class="main">
<article class="content">
{article}
</article>
{related_box("相关阅读", a.related)}
</div>
<div class="footer">
<div class="lang">
<p>CHOOSE YOUR LANGUAGE 选择语言</p>
<a href="{SH}/index.html">简体中文</a> | <a href="{SH}/en/index.html">English</a>
</div>
<p><a href="{SH}/about.html">关于我们</a> | <a href="{SH}/about.html#contact">联系我们</a> | <a href="{SH}/about.html#privacy">隐私政策</a></p>
<p>版权所有 {copyright_sign}申海科技报社　未经授权禁止转载</p>
<p>沪ICP备12034567号-2　互联网新闻信息许可证31120190005</p>
<p>举报电话：021-62473300　举报邮箱：jubao@shenhai-keji.example</p>
</div>
</body>
</html>
"""


def render_wire(a: Article, st: dict) -> str:
    nav = [
        (f"{DW}/index.html", "Home"),
        (f"{DW}/section/technology.html", "Technology"),
        (f"{DW}/story/archive.html", "Archive"),
        (f"{DW}/about.html", "About"),
    ]
    nav_html = " | ".join(f'<a href="{h}">{t}</a>' for h, t in nav)
    byline = a.byline or f"By {a.author}"
    credit = f'<p class="credit">{esc(a.footnote)}</p>\n' if a.footnote else ""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
{head_meta(a, st, '<meta charset="utf-8">', f"{DW}/static/wire.css", "Delta Wire")}
</head>
<body>
<div class="consent">This site uses cookies for analytics and advertising. <a href="{DW}/about.html#cookies">Manage preferences</a> or <button>Accept</button></div>
<div class="brand"><a href="{DW}/index.html">DELTA WIRE</a> <span>News from the Yangtze River Delta</span></div>
<nav class="topnav">{nav_html} | <a href="{DW}/about.html#signin">Sign in</a></nav>
<div class="wrap">
<article class="story">
<h1>{esc(st["title"])}</h1>
<p class="byline">{esc(byline)}</p>
<p class="dateline">{esc(st["dateline"])}</p>
<div class="photo"><img src="{DW}/static/photo.svg" alt=""></div>
<p class="photo-desc">{esc(a.caption)}</p>
{body_paras(st["paras"], st["loose"])}
{credit}<p class="tags">Filed under: {esc(a.section)}</p>
<div class="story-end">
<p>CHOOSE YOUR LANGUAGE</p>
<p>互联网新闻信息许可证31120220031</p>
<p>举报电话：021-52889900</p>
</div>
</article>
{related_box("More from Delta Wire", a.related)}
</div>
<div class="foot">
<div class="languages">CHOOSE YOUR LANGUAGE: <a href="{DW}/index.html">English</a> | <a href="{DW}/zh/index.html">中文</a></div>
<p>© 2026 Delta Wire Services. All rights reserved. <a href="{DW}/about.html">About</a> | <a href="{DW}/about.html#cookies">Cookies</a></p>
<p>互联网新闻信息许可证31120220031</p>
<p>举报电话：021-52889900</p>
</div>
</body>
</html>
"""


RENDER = {"pujiang-post": render_pujiang, "shenhai-keji": render_shenhai, "delta-wire": render_wire}


# --------------------------------------------------------------------------- other files


def stub(outlet: str, path: str, title: str, lang: str, body: str) -> tuple[str, str]:
    home = {"pujiang-post": PP, "shenhai-keji": SH, "delta-wire": DW}[outlet]
    return path, f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<title>{esc(title)}</title>
<link rel="canonical" href="{canonical(path)}">
</head>
<body>
<p><a href="{home}/index.html">{esc(title.split(' - ')[-1])}</a></p>
<h1>{esc(title.split(' - ')[0])}</h1>
{body}
</body>
</html>
"""


def link_list(links: list[tuple[str, str]]) -> str:
    return "<ul>\n" + "\n".join(f'<li><a href="{h}">{esc(t)}</a></li>' for h, t in links) + "\n</ul>"


def stubs() -> list[tuple[str, str]]:
    pp_tech = [(BY_KEY[k].path, BY_KEY[k].title) for k in ("PP3", "PP1", "PP2")]
    sh_news = [(BY_KEY[k].path, BY_KEY[k].title) for k in ("SH3", "SH2", "SH1")]
    out = [
        stub("pujiang-post", f"{PP}/index.html", "Home - Pujiang Post", "en",
             link_list([*pp_tech, (BY_KEY["PP4"].path, BY_KEY["PP4"].title),
                        (BY_KEY["KF"].path, BY_KEY["KF"].title)])),
        stub("pujiang-post", f"{PP}/tech/index.html", "Tech - Pujiang Post", "en", link_list(pp_tech)),
        stub("pujiang-post", f"{PP}/sport/index.html", "Sport - Pujiang Post", "en",
             link_list([(BY_KEY["PP4"].path, BY_KEY["PP4"].title)])),
        stub("pujiang-post", f"{PP}/data/index.html", "Data - Pujiang Post", "en",
             link_list([(BY_KEY["KF"].path, BY_KEY["KF"].title)])),
        stub("pujiang-post", f"{PP}/about.html", "About us - Pujiang Post", "en",
             '<p id="contact">Newsroom: write to the desk through this page.</p>\n'
             '<p id="subscribe">The morning briefing arrives at seven every weekday.</p>'),
        stub("pujiang-post", f"{PP}/privacy.html", "Privacy and cookies - Pujiang Post", "en",
             "<p>We keep analytics cookies for thirteen months.</p>"),
        stub("pujiang-post", f"{PP}/zh/index.html", "中文版 - Pujiang Post", "zh-CN",
             "<p>中文版正在建设中。</p>"),
        stub("shenhai-keji", f"{SH}/index.html", "首页 - 申海科技报", "zh-CN", link_list(sh_news)),
        stub("shenhai-keji", f"{SH}/news/index.html", "要闻 - 申海科技报", "zh-CN", link_list(sh_news)),
        stub("shenhai-keji", f"{SH}/channel/yrd.html", "长三角 - 申海科技报", "zh-CN",
             link_list([(BY_KEY["SH2"].path, BY_KEY["SH2"].title)])),
        stub("shenhai-keji", f"{SH}/channel/ic.html", "集成电路 - 申海科技报", "zh-CN",
             link_list([(BY_KEY["SH3"].path, BY_KEY["SH3"].title)])),
        stub("shenhai-keji", f"{SH}/about.html", "关于我们 - 申海科技报", "zh-CN",
             '<p id="contact">地址：上海市徐汇区（示例）</p>\n<p id="privacy">隐私政策：我们仅收集必要的访问统计信息。</p>'),
        stub("shenhai-keji", f"{SH}/en/index.html", "English - Shenhai Tech Daily", "en",
             "<p>The English edition is coming soon.</p>"),
        stub("delta-wire", f"{DW}/section/technology.html", "Technology - Delta Wire", "en",
             link_list([(f"{DW}/index.html", "Latest stories")])),
        stub("delta-wire", f"{DW}/story/archive.html", "Story archive - Delta Wire", "en",
             link_list([(BY_KEY["DW2"].path, BY_KEY["DW2"].title),
                        (BY_KEY["DW1"].path, BY_KEY["DW1"].title)])),
        stub("delta-wire", f"{DW}/about.html", "About - Delta Wire", "en",
             '<p id="cookies">Cookie preferences.</p>\n<p id="signin">Subscriber sign-in.</p>'),
        stub("delta-wire", f"{DW}/zh/index.html", "中文 - Delta Wire", "zh-CN",
             "<p>中文服务即将推出。</p>"),
    ]
    return out


def root_index() -> tuple[str, str]:
    return "/index.html", f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>deltawatch demo site</title></head>
<body>
<h1>deltawatch demo site</h1>
<p>Three invented outlets, served offline by <code>deltawatch demo</code>.</p>
<ul>
<li><a href="{PP}/index.html">Pujiang Post</a> (<a href="{PP}/feed.xml">RSS</a>)</li>
<li><a href="{SH}/index.html">申海科技报</a> (<a href="{SH}/sitemap.xml">sitemap</a>)</li>
<li><a href="{DW}/index.html">Delta Wire</a></li>
</ul>
</body>
</html>
"""


def teaser(text: str, n: int = 160) -> str:
    text = text.split(" — ", 1)[-1]
    return text if len(text) <= n else text[:n].rsplit(" ", 1)[0] + " …"


def rfc822(iso: str) -> str:
    from datetime import datetime

    return datetime.fromisoformat(iso).strftime("%a, %d %b %Y %H:%M:%S %z")


def feed(rev: int) -> str:
    items = []
    for k in ("PP3", "PP1", "PP4", "PP2"):
        a = BY_KEY[k]
        st = a.at(rev)
        items.append(
            f"""<item>
<title>{esc(st["title"])}</title>
<link>{canonical(a.path)}</link>
<guid isPermaLink="true">{canonical(a.path)}</guid>
<pubDate>{rfc822(a.published)}</pubDate>
<dc:creator>{esc(a.author)}</dc:creator>
<category>{esc(a.section)}</category>
<description>{esc(teaser(st["paras"][0]))}</description>
</item>"""
        )
    built = "2026-03-05T16:45:00+08:00" if rev == 2 else "2026-03-03T09:05:00+08:00"
    nl = "\n"
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
<title>Pujiang Post - Latest</title>
<link>{BASE}{PP}/index.html</link>
<atom:link href="{BASE}{PP}/feed.xml" rel="self" type="application/rss+xml"/>
<description>City news from Shanghai, in English.</description>
<language>en</language>
<lastBuildDate>{rfc822(built)}</lastBuildDate>
<ttl>60</ttl>
{nl.join(items)}
</channel>
</rss>
"""


def sitemap(rev: int) -> str:
    lastmod = {
        "SH1": "2026-03-05T11:02:00+08:00" if rev == 2 else "2026-03-02T08:15:00+08:00",
        "SH2": "2026-03-03T10:20:00+08:00",
        "SH3": "2026-03-06T14:00:00+08:00" if rev == 2 else "2026-03-04T09:30:00+08:00",
    }
    urls = "\n".join(
        f"""<url>
<loc>{canonical(BY_KEY[k].path)}</loc>
<lastmod>{lastmod[k]}</lastmod>
<changefreq>daily</changefreq>
<priority>0.8</priority>
</url>"""
        for k in ("SH3", "SH2", "SH1")
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
{urls}
</urlset>
"""


def wire_listing(rev: int) -> str:
    stories = ["DW4", "DW2", "DW1"] if rev == 2 else ["DW2", "DW1"]
    blocks = []
    for k in stories:
        a = BY_KEY[k]
        extra = (
            f' <a class="comments" href="{a.path}#comments">Comments (3)</a>' if k == "DW2" else ""
        )
        blocks.append(
            f"""<div class="item">
<h2><a href="{a.path}">{esc(a.title)}</a></h2>
<p class="time">{a.published[:16].replace("T", " ")}</p>
<p class="teaser">{esc(teaser(a.paras[0]))}{extra}</p>
</div>"""
        )
    priv = BY_KEY["PRIV"]
    nl = "\n"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Delta Wire - Latest news from the Yangtze River Delta</title>
<meta name="description" content="Latest stories from Delta Wire.">
<link rel="canonical" href="{BASE}{DW}/index.html">
<link rel="stylesheet" href="{DW}/static/wire.css">
</head>
<body>
<div class="consent">This site uses cookies for analytics and advertising. <a href="{DW}/about.html#cookies">Manage preferences</a> or <button>Accept</button></div>
<div class="brand"><a href="{DW}/index.html">DELTA WIRE</a> <span>News from the Yangtze River Delta</span></div>
<nav class="topnav"><a href="{DW}/index.html">Home</a> | <a href="{DW}/section/technology.html">Technology</a> | <a href="{DW}/story/archive.html">Archive</a> | <a href="{DW}/about.html">About</a> | <a href="{DW}/about.html#signin">Sign in</a></nav>
<div class="wrap">
<h1>Latest stories</h1>
{nl.join(blocks)}
<div class="item staff">
<h2><a href="{priv.path}">Preview: {esc(priv.title)}</a></h2>
<p class="teaser">Staff only. Embargoed until 06:00.</p>
</div>
<p class="partners">From our partners: <a href="{BY_KEY["PP2"].path}">Pujiang Post on the Zhangjiang light source</a></p>
<p class="more"><a href="{DW}/story/archive.html">Older stories</a></p>
</div>
<div class="foot">
<div class="languages">CHOOSE YOUR LANGUAGE: <a href="{DW}/index.html">English</a> | <a href="{DW}/zh/index.html">中文</a></div>
<p>© 2026 Delta Wire Services. All rights reserved.</p>
<p>互联网新闻信息许可证31120220031</p>
<p>举报电话：021-52889900</p>
</div>
</body>
</html>
"""


ROBOTS = f"""# deltawatch demo site
User-agent: *
Disallow: /*/private/
Allow: /

Sitemap: {BASE}{SH}/sitemap.xml
"""

CSS = "body{font-family:sans-serif;max-width:48rem;margin:auto}.cookie-banner,.cookie-tip,.consent{background:#eee;padding:.5rem}\n"
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="640" height="360"><rect width="640" height="360" fill="#9ab"/></svg>\n'


def site_files(rev: int) -> dict[str, bytes]:
    """Every file of the full site as it stands in revision `rev` (path -> bytes)."""
    files: dict[str, bytes] = {}
    for a in ARTICLES:
        if rev == 1 and not a.in_rev1:
            continue
        text = RENDER[a.outlet](a, a.at(rev))
        files[a.path] = text.encode(a.encoding)
    for path, text in [*stubs(), root_index()]:
        files[path] = text.encode("utf-8")
    files["/robots.txt"] = ROBOTS.encode()
    files[f"{PP}/feed.xml"] = feed(rev).encode()
    files[f"{SH}/sitemap.xml"] = sitemap(rev).encode()
    files[f"{DW}/index.html"] = wire_listing(rev).encode()
    for p in (f"{PP}/static/site.css", f"{SH}/static/style.css", f"{DW}/static/wire.css"):
        files[p] = CSS.encode()
    for o in (PP, SH, DW):
        files[f"{o}/static/photo.svg"] = SVG.encode()
    return files


EXPECTED_REV2 = {
    BY_KEY["PP1"].path,
    BY_KEY["KF"].path,
    BY_KEY["SH1"].path,
    BY_KEY["SH3"].path,
    BY_KEY["DW4"].path,
    f"{PP}/feed.xml",
    f"{SH}/sitemap.xml",
    f"{DW}/index.html",
}


def build() -> None:
    r1, r2 = site_files(1), site_files(2)
    diff = {p: b for p, b in r2.items() if r1.get(p) != b}
    assert set(diff) == EXPECTED_REV2, sorted(set(diff) ^ EXPECTED_REV2)
    assert set(r1) <= set(r2)
    shutil.rmtree(SITE, ignore_errors=True)
    for rev, files in ((1, r1), (2, diff)):
        for p, b in files.items():
            dest = SITE / f"rev{rev}" / p.lstrip("/")
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(b)


# --------------------------------------------------------------------------- checks

def check() -> list[str]:
    problems: list[str] = []
    rev1, rev2 = SITE / "rev1", SITE / "rev2"

    def exists(path: str) -> bool:
        rel = path.lstrip("/")
        return (rev1 / rel).is_file() or (rev2 / rel).is_file()

    all_files = sorted(p for p in SITE.rglob("*") if p.is_file())
    # XML well-formed
    for p in all_files:
        if p.suffix == ".xml":
            try:
                ET.parse(p)
            except ET.ParseError as e:
                problems.append(f"{p}: {e}")
    # GBK page
    gbk = BY_KEY["SH2"].path.lstrip("/")
    raw = (rev1 / gbk).read_bytes()
    try:
        raw.decode("utf-8")
        problems.append(f"{gbk}: decodes as UTF-8, should be GBK only")
    except UnicodeDecodeError:
        pass
    raw.decode("gbk")
    if b"charset=gbk" not in raw[:1024]:
        problems.append(f"{gbk}: no charset=gbk in the first 1024 bytes")
    # links
    href = re.compile(r'(?:href|src)="([^"]+)"')
    for p in all_files:
        if p.suffix not in (".html", ".xml", ".txt"):
            continue
        enc = "gbk" if p.as_posix().endswith(gbk) else "utf-8"
        text = p.read_bytes().decode(enc)
        site_path = "/" + "/".join(p.relative_to(SITE).parts[1:])
        targets = href.findall(text)
        targets += re.findall(r"<(?:loc|link|guid[^>]*)>([^<]+)<", text)
        targets += re.findall(r"^Sitemap: (\S+)", text, re.M)
        for t in targets:
            if t.startswith(("http://www.sitemaps.org", "http://purl.org", "http://www.w3.org")):
                continue
            if t.startswith("http") and not t.startswith(BASE):
                problems.append(f"{site_path}: external link {t}")
                continue
            u = urlsplit(urljoin(BASE + site_path, t))
            if not exists(u.path):
                problems.append(f"{site_path}: broken link {t}")
    # article shape and length
    for a in ARTICLES:
        if a.key == "PRIV":
            continue
        for rev in (1, 2):
            if rev == 1 and not a.in_rev1:
                continue
            st = a.at(rev)
            body = [x for x in st["paras"] if not re.fullmatch(r"\S*(419|sh1314|论坛)\S*", x)]
            long_paras = [x for x in body if len(x) >= (60 if a.lang == "en" else 40)]
            if len(long_paras) < 6:
                problems.append(f"{a.key} rev{rev}: only {len(long_paras)} substantive paragraphs")
            text = " ".join(body)
            if a.lang == "en":
                n = len(re.findall(r"[A-Za-z0-9][\w'’.,$%-]*", text))
                if n < 350:
                    problems.append(f"{a.key} rev{rev}: {n} words")
            else:
                n = len(re.findall(r"[\u4e00-\u9fff]", text))
                if n < 600:
                    problems.append(f"{a.key} rev{rev}: {n} Chinese characters")
    size = sum(p.stat().st_size for p in HERE.rglob("*") if p.is_file())
    if size > 400_000:
        problems.append(f"demo is {size} bytes")
    return problems


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true", help="only check what is on disk")
    args = ap.parse_args()
    if not args.check:
        build()
    problems = check()
    for p in problems:
        print("PROBLEM:", p)
    n = sum(1 for p in SITE.rglob("*") if p.is_file())
    print(f"{n} files under {SITE}; {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
